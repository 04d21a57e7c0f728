import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, updateProgram, type Program } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, Card, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

const CURRENCY = /^[a-z][a-z0-9_]{0,31}$/;

/** The program's point currencies: the first is the main one; the API adds them and never removes one. */
export function CurrenciesCard({ program, canEdit }: { program: Program; canEdit: boolean }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const add = async () => {
    const name = draft.trim();
    if (!CURRENCY.test(name)) return setError(t('settings.currencyInvalid'));
    if (program.point_currencies.includes(name)) return setError(t('settings.currencyTaken'));
    setBusy(true);
    setError(undefined);
    try {
      await updateProgram(client, program.id, { point_currencies: [...program.point_currencies, name] });
      setDraft('');
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? errorMessage(t, err) : t('errors.unknown'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('settings.currencies')}>
      <p className="muted">{t('settings.currenciesIntro')}</p>
      <ul className="chip-list" aria-label={t('settings.currencies')}>
        {program.point_currencies.map((c, i) => (
          <li key={c}>
            <code>{c}</code> {i === 0 ? <Badge tone="info">{t('settings.mainCurrency')}</Badge> : null}
          </li>
        ))}
      </ul>
      {canEdit ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <TextField label={t('settings.newCurrency')} hint={t('settings.newCurrencyHint')} value={draft} error={error} onChange={(e) => setDraft(e.target.value)} disabled={busy} />
          <div className="field field-action">
            <Button type="submit" disabled={busy || !draft.trim()}>
              {t('settings.addCurrency')}
            </Button>
          </div>
        </form>
      ) : null}
    </Card>
  );
}
