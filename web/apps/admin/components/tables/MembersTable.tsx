import { Link } from 'react-router';
import type { Member } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';

export const memberName = (m: Pick<Member, 'first_name' | 'last_name'>) => [m.first_name, m.last_name].filter(Boolean).join(' ');

const STATUS_TONE = { active: 'good', suspended: 'warn', erased: 'bad' } as const;

export function MembersTable({ members }: { members: Member[] }) {
  const { t, fmt } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('members.col.name')}</th>
            <th scope="col">{t('members.col.email')}</th>
            <th scope="col">{t('members.col.phone')}</th>
            <th scope="col">{t('members.col.tags')}</th>
            <th scope="col">{t('members.col.status')}</th>
            <th scope="col">{t('members.col.enrolled')}</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id}>
              <td>
                <Link to={`/members/${m.id}`}>{memberName(m) || m.email || m.phone || m.card_number || m.id}</Link>
              </td>
              <td>{m.email ?? '—'}</td>
              <td>{m.phone ?? '—'}</td>
              <td>
                {m.tags.map((tag) => (
                  <Badge key={tag}>{tag}</Badge>
                ))}
              </td>
              <td>
                <Badge tone={STATUS_TONE[m.status]}>{t(`status.${m.status}`)}</Badge>
              </td>
              <td>{fmt.date(m.enrolled_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
