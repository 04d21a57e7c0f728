import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';
import { REASON_CODES } from './refusalReason';

export interface EventFilterValues {
  type: string;
  member: string;
  outcome: string;
  from: string;
  to: string;
}

export interface RefusalFilterValues {
  type: string;
  member: string;
  code: string;
  event_id: string;
  from: string;
  to: string;
}

export const OUTCOMES = ['earned', 'reversed', 'no_points', 'guest'] as const;
export const EVENT_TYPES = ['purchase', 'refund', 'signup', 'review_submitted', 'store_checkin', 'profile_completed', 'app_installed', 'newsletter_signup'];

type Base = { type: string; member: string; from: string; to: string };

/**
 * The filters of an event list, applied on submit: type (with the common ones offered), member (any identity or
 * id), one choice (`choice`: its field, label and options), an optional text field, and a range of days.
 */
function LogFilters<V extends Base>(props: {
  label: string;
  listId: string;
  value: V;
  errors: Partial<Record<keyof V, string>>;
  choice: { key: keyof V & string; label: string; any: string; options: { value: string; label: string }[] };
  extra?: { key: keyof V & string; label: string };
  onApply: (v: V) => void;
}) {
  const { t } = useI18n();
  const { value, errors, choice, extra } = props;
  const [draft, setDraft] = useState(value);
  const set = (k: keyof V) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <form
      role="search"
      aria-label={props.label}
      className="row event-filters"
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply(draft);
      }}
    >
      <TextField label={t('events.type')} list={props.listId} value={draft.type} error={errors.type} onChange={set('type')} />
      <datalist id={props.listId}>
        {EVENT_TYPES.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <TextField grow type="search" label={t('events.member')} hint={t('events.memberHint')} value={draft.member} error={errors.member} onChange={set('member')} />
      <SelectField label={choice.label} value={String(draft[choice.key])} error={errors[choice.key]} onChange={set(choice.key)}>
        <option value="">{choice.any}</option>
        {choice.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </SelectField>
      {extra ? <TextField label={extra.label} value={String(draft[extra.key])} error={errors[extra.key]} onChange={set(extra.key)} /> : null}
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

type FiltersProps<V> = { value: V; errors: Partial<Record<keyof V, string>>; onApply: (v: V) => void };

/** The applied events' filters: by outcome. */
export function EventFilters(p: FiltersProps<EventFilterValues>) {
  const { t } = useI18n();
  const options = OUTCOMES.map((o) => ({ value: o, label: t(`events.outcomes.${o}`) }));
  return <LogFilters {...p} label={t('events.filters')} listId="event-types" choice={{ key: 'outcome', label: t('events.outcome'), any: t('events.anyOutcome'), options }} />;
}

/** The refused events' filters: by reason, and by the event's own id. */
export function RefusalFilters(p: FiltersProps<RefusalFilterValues>) {
  const { t } = useI18n();
  const options = REASON_CODES.map((c) => ({ value: c, label: t(`events.reasonNames.${c}`) }));
  return (
    <LogFilters
      {...p}
      label={t('events.refused.filters')}
      listId="refused-event-types"
      choice={{ key: 'code', label: t('events.refused.reason'), any: t('events.refused.anyReason'), options }}
      extra={{ key: 'event_id', label: t('events.refused.eventId') }}
    />
  );
}
