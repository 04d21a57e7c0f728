import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';

export interface Range {
  from: string;
  to: string;
  period: 'week' | 'month';
}

/** The dashboard's range: two days (the end excluded by the API, shown inclusive here) and the period. */
export function RangeForm({ value, onChange }: { value: Range; onChange: (r: Range) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  const valid = draft.from && draft.to && draft.from < draft.to;
  return (
    <form
      className="row"
      aria-label={t('dashboard.range')}
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onChange(draft);
      }}
    >
      <TextField label={t('dashboard.from')} type="date" value={draft.from} max={draft.to} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
      <TextField label={t('dashboard.to')} type="date" value={draft.to} min={draft.from} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
      <SelectField label={t('dashboard.period')} value={draft.period} onChange={(e) => setDraft({ ...draft, period: e.target.value === 'week' ? 'week' : 'month' })}>
        <option value="month">{t('dashboard.months')}</option>
        <option value="week">{t('dashboard.weeks')}</option>
      </SelectField>
      <div className="field field-action">
        <Button type="submit" disabled={!valid}>
          {t('dashboard.apply')}
        </Button>
      </div>
    </form>
  );
}
