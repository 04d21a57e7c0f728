import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';

export interface AuditFilterValues {
  action: string;
  actor_id: string;
  target_type: string;
  target_id: string;
  from: string;
  to: string;
  scope: string;
}

export const AUDIT_FILTERS = ['action', 'actor_id', 'target_type', 'target_id', 'from', 'to', 'scope'] as const;

/** The audit log's filters; the dates are whole days (the last one included). */
export function AuditFilters({ value, onApply }: { value: AuditFilterValues; onApply: (v: AuditFilterValues) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  const set = (k: keyof AuditFilterValues) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <form
      className="row"
      role="search"
      aria-label={t('audit.filters')}
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <SelectField label={t('audit.scope')} value={draft.scope === 'workspace' ? 'workspace' : ''} onChange={set('scope')}>
        <option value="">{t('audit.scopeProgram')}</option>
        <option value="workspace">{t('audit.scopeWorkspace')}</option>
      </SelectField>
      <TextField label={t('audit.action')} hint={t('audit.actionHint')} value={draft.action} onChange={set('action')} list="audit-actions" />
      <datalist id="audit-actions">
        {['member.', 'member.adjust', 'program.update', 'rule.', 'segment.', 'staff.', 'key.', 'reward.', 'tier_'].map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <TextField label={t('audit.actor')} hint={t('audit.actorHint')} value={draft.actor_id} onChange={set('actor_id')} />
      <TextField label={t('audit.targetType')} value={draft.target_type} onChange={set('target_type')} />
      <TextField label={t('audit.targetId')} value={draft.target_id} onChange={set('target_id')} />
      <TextField label={t('audit.from')} type="date" value={draft.from} max={draft.to || undefined} onChange={set('from')} />
      <TextField label={t('audit.to')} type="date" value={draft.to} min={draft.from || undefined} onChange={set('to')} />
      <div className="field field-action">
        <Button variant="primary" type="submit">
          {t('audit.apply')}
        </Button>
      </div>
    </form>
  );
}
