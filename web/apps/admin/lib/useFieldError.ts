import type { FieldError } from 'react-hook-form';
import { useI18n } from '../../../packages/i18n';

/** The message of a form field's error: a zod rule's i18n key, or the server's text as it came. */
export function useFieldError() {
  const { t } = useI18n();
  return (err: FieldError | undefined) => {
    if (!err?.message) return undefined;
    return err.type === 'server' ? err.message : t(err.message);
  };
}
