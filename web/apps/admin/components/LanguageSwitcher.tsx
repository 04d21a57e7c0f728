import { useQueryClient } from '@tanstack/react-query';
import { sessionKeys, updateMe, type SessionAnswer } from '../../../packages/api-client';
import { changeLocale, isLocale, LOCALE_NAMES, LOCALES, useI18n } from '../../../packages/i18n';
import { SelectField } from '../../../packages/ui';

/** Changes the language at once; saves it on the staff user when signed in, in this browser otherwise. */
export function LanguageSwitcher({ signedIn }: { signedIn: boolean }) {
  const { t, locale } = useI18n();
  const client = useQueryClient();
  const onChange = async (value: string) => {
    if (!isLocale(value)) return;
    await changeLocale(value);
    if (signedIn) {
      const staff = await updateMe({ locale: value });
      client.setQueryData<SessionAnswer | null>(sessionKeys.current, (s) => (s ? { ...s, staff } : s));
    }
  };
  return (
    <SelectField label={t('shell.language')} value={locale} onChange={(e) => void onChange(e.target.value)}>
      {LOCALES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LOCALE_NAMES[l]}
        </option>
      ))}
    </SelectField>
  );
}
