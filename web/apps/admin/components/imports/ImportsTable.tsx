import { Link } from 'react-router';
import type { ImportListItem } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';
import { STATUS_TONE } from './ImportProgress';

export function ImportsTable({ items }: { items: ImportListItem[] }) {
  const { t, fmt } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('imports.col.file')}</th>
            <th scope="col">{t('imports.col.kind')}</th>
            <th scope="col">{t('imports.col.status')}</th>
            <th scope="col" className="num">{t('imports.counts.imported')}</th>
            <th scope="col" className="num">{t('imports.counts.rejected')}</th>
            <th scope="col">{t('imports.col.uploaded')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id}>
              <td>
                <Link to={`?import=${i.id}`}>{i.name}</Link>
              </td>
              <td>{t(`imports.kind.${i.kind}`)}</td>
              <td>
                <Badge tone={STATUS_TONE[i.status]}>{i.status === 'running' ? `${t('imports.status.running')} ${fmt.percent(i.progress.percent / 100)}` : t(`imports.status.${i.status}`)}</Badge>
              </td>
              <td className="num">{fmt.number(i.counts.imported)}</td>
              <td className="num">{fmt.number(i.counts.rejected)}</td>
              <td>{fmt.dateTime(i.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
