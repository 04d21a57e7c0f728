import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';

export interface MemberFilters {
  search: string;
  tag: string;
  status: string;
  tier: string;
}

/** Search and filters; `tiers` are the program's levels (none: no tier filter is offered). */
export function MemberSearchForm({ value, tiers, onSearch }: { value: MemberFilters; tiers: { id: string; name: string }[]; onSearch: (f: MemberFilters) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  return (
    <form
      role="search"
      className="row"
      aria-label={t('members.searchLabel')}
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(draft);
      }}
    >
      <TextField grow label={t('members.search')} type="search" hint={t('members.searchHint')} value={draft.search} onChange={(e) => setDraft({ ...draft, search: e.target.value })} />
      <TextField label={t('members.tag')} value={draft.tag} onChange={(e) => setDraft({ ...draft, tag: e.target.value })} />
      <SelectField label={t('members.status')} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
        <option value="">{t('members.anyStatus')}</option>
        <option value="active">{t('status.active')}</option>
        <option value="suspended">{t('status.suspended')}</option>
        <option value="erased">{t('status.erased')}</option>
      </SelectField>
      {tiers.length > 0 || draft.tier ? (
        <SelectField label={t('members.tier')} value={draft.tier} onChange={(e) => setDraft({ ...draft, tier: e.target.value })}>
          <option value="">{t('members.anyTier')}</option>
          {tiers.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </SelectField>
      ) : null}
      <div className="field field-action">
        <Button variant="primary" type="submit">
          {t('members.searchSubmit')}
        </Button>
      </div>
    </form>
  );
}
