import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import type { TFunction } from 'i18next';
import { ApiError } from '../../../packages/api-client';

/** A refused call's message in the user's language: a known code has its own text, else the server's detail. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    const key = `errors.${err.code}`;
    const known = t(key, { defaultValue: '' });
    if (known) return known;
    if (err.status === 0 || err.status >= 500) return t('errors.server');
    return err.message || t('errors.unknown');
  }
  return t('errors.network');
}

/**
 * Puts a problem's `field` beside that field of the form (react-hook-form's setError); returns false when the
 * problem names no field of this form, so the caller shows it above the form instead.
 */
export function applyFieldError<T extends FieldValues>(t: TFunction, err: unknown, fields: readonly Path<T>[], setError: UseFormSetError<T>): boolean {
  if (!(err instanceof ApiError) || !err.field) return false;
  const name = err.field.replace(/^body\./, '') as Path<T>;
  if (!fields.includes(name)) return false;
  setError(name, { type: 'server', message: errorMessage(t, err) }, { shouldFocus: true });
  return true;
}
