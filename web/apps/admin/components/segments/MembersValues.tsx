import { Link } from 'react-router';
import type { SegmentMember } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { fieldDef } from './model';

const ISO = /^\d{4}-\d{2}-\d{2}T/;

/** Members of a segment (or a preview's sample) with the value of each field the conditions read. */
export function SegmentMembersTable({ members, fields, currency, caption }: { members: SegmentMember[]; fields: string[]; currency: string; caption?: string }) {
  const { t, fmt } = useI18n();
  const show = (field: string, v: unknown) => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') return fieldDef(field)?.money ? fmt.money(v, currency) : fmt.number(v);
    if (typeof v === 'string') return ISO.test(v) ? fmt.date(v) : v;
    if (typeof v === 'boolean') return v ? t('segments.yes') : t('segments.no');
    return Array.isArray(v) ? v.join(', ') : JSON.stringify(v);
  };
  return (
    <div className="table-wrap">
      <table>
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">{t('segments.col.member')}</th>
            {fields.map((f) => (
              <th scope="col" key={f} className={typeof members[0]?.values[f] === 'number' ? 'num' : undefined}>
                {f.startsWith('attributes.') || f.startsWith('balance.') ? f : t(`segments.fields.${f.replace('.', '_')}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id}>
              <td>
                <Link to={`/members/${m.id}`}>{m.name ?? m.id}</Link>
              </td>
              {fields.map((f) => (
                <td key={f} className={typeof m.values[f] === 'number' ? 'num' : undefined}>
                  {show(f, m.values[f])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
