import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';
import { EVENT_TYPES } from './EventFilters';
import { REASON_CODES } from './refusalReason';

export interface RefusalFilterValues {
  type: string;
  member: string;
  code: string;
  event_id: string;
  from: string;
  to: string;
}

/** The refused events' filters: type, member (any identity or id), reason, event id and a range of days. */
export function RefusalFilters({ value, errors, onApply }: { value: RefusalFilterValues; errors: Partial<Record<keyof RefusalFilterValues, string>>; onApply: (v: RefusalFilterValues) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  const set = (k: keyof RefusalFilterValues) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <form
      role="search"
      aria-label={t('events.refused.filters')}
      className="row event-filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <TextField label={t('events.type')} list="refused-event-types" value={draft.type} error={errors.type} onChange={set('type')} />
      <datalist id="refused-event-types">
        {EVENT_TYPES.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <TextField grow type="search" label={t('events.member')} hint={t('events.memberHint')} value={draft.member} error={errors.member} onChange={set('member')} />
      <SelectField label={t('events.refused.reason')} value={draft.code} error={errors.code} onChange={set('code')}>
        <option value="">{t('events.refused.anyReason')}</option>
        {REASON_CODES.map((c) => (
          <option key={c} value={c}>
            {t(`events.reasonNames.${c}`)}
          </option>
        ))}
      </SelectField>
      <TextField label={t('events.refused.eventId')} value={draft.event_id} error={errors.event_id} onChange={set('event_id')} />
      <TextField label={t('events.from')} type="date" value={draft.from} error={errors.from} onChange={set('from')} />
      <TextField label={t('events.to')} type="date" value={draft.to} error={errors.to} onChange={set('to')} />
      <div className="field field-action">
        <Button variant="primary" type="submit">
          {t('events.apply')}
        </Button>
      </div>
    </form>
  );
}
