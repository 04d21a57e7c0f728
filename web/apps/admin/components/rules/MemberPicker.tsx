import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { memberListQuery, type Member } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Loading, TextField } from '../../../../packages/ui';
import { memberName } from '../tables/MembersTable';
import { errorMessage } from '../../lib/errors';
import { searchParamsFor } from '../../lib/search';

export interface PickedMember {
  id: string;
  label: string;
}

const labelOf = (m: Member) => [memberName(m), m.email ?? m.phone ?? m.card_number].filter(Boolean).join(' · ') || m.id;

/** Finds a member by identity, name or id (as the members search does) and picks one of the first matches. */
export function MemberPicker({ value, onPick }: { value: PickedMember | null; onPick: (m: PickedMember | null) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [search, setSearch] = useState<string | null>(null);
  const found = useQuery({ ...memberListQuery({ limit: 5, ...searchParamsFor(search ?? '') }), enabled: !!search?.trim() });
  if (value) {
    return (
      <div className="picked">
        <span>
          {t('rules.preview.member')}: <strong>{value.label}</strong>
        </span>
        <Button variant="ghost" onClick={() => onPick(null)}>
          {t('rules.preview.changeMember')}
        </Button>
      </div>
    );
  }
  return (
    <div>
      <form
        role="search"
        aria-label={t('rules.preview.findMember')}
        className="row picker-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (/^mbr_[0-9a-z]{26}$/.test(text.trim())) onPick({ id: text.trim(), label: text.trim() });
          else setSearch(text);
        }}
      >
        <TextField grow type="search" label={t('rules.preview.memberSearch')} hint={t('rules.preview.memberSearchHint')} value={text} onChange={(e) => setText(e.target.value)} />
        <div className="field field-action">
          <Button type="submit">{t('rules.preview.find')}</Button>
        </div>
      </form>
      {found.isFetching ? (
        <Loading label={t('common.loading')} />
      ) : found.isError ? (
        <p className="form-error" role="alert">{errorMessage(t, found.error)}</p>
      ) : found.data && search ? (
        found.data.data.length === 0 ? (
          <p className="field-hint">{t('rules.preview.noMember')}</p>
        ) : (
          <ul className="pick-list" aria-label={t('rules.preview.matches')}>
            {found.data.data.map((m) => (
              <li key={m.id}>
                <Button onClick={() => onPick({ id: m.id, label: labelOf(m) })}>{t('rules.preview.pick', { member: labelOf(m) })}</Button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
