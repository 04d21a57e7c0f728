import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';

export interface EventFilterValues {
  type: string;
  member: string;
  outcome: string;
  from: string;
  to: string;
}

export const OUTCOMES = ['earned', 'reversed', 'no_points', 'guest'] as const;
export const EVENT_TYPES = ['purchase', 'refund', 'signup', 'review_submitted', 'store_checkin', 'profile_completed', 'app_installed', 'newsletter_signup'];

/** The log's filters: type, member (any identity or id), outcome and a range of days; applied on submit. */
export function EventFilters({ value, errors, onApply }: { value: EventFilterValues; errors: Partial<Record<keyof EventFilterValues, string>>; onApply: (v: EventFilterValues) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  const set = (k: keyof EventFilterValues) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <form
      role="search"
      aria-label={t('events.filters')}
      className="row event-filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <TextField label={t('events.type')} list="event-types" value={draft.type} error={errors.type} onChange={set('type')} />
      <datalist id="event-types">
        {EVENT_TYPES.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <TextField grow type="search" label={t('events.member')} hint={t('events.memberHint')} value={draft.member} error={errors.member} onChange={set('member')} />
      <SelectField label={t('events.outcome')} value={draft.outcome} error={errors.outcome} onChange={set('outcome')}>
        <option value="">{t('events.anyOutcome')}</option>
        {OUTCOMES.map((o) => (
          <option key={o} value={o}>
            {t(`events.outcomes.${o}`)}
          </option>
        ))}
      </SelectField>
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
