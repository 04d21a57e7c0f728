import { Link } from 'react-router';
import type { Reward } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';

export const STATUS_TONE: Record<string, 'good' | 'warn' | 'neutral'> = { active: 'good', inactive: 'warn', archived: 'neutral' };

/** The catalog: image, name and kind, cost, stock and codes left, limit, validity, status. */
export function RewardsTable({ rewards }: { rewards: Reward[] }) {
  const { t, fmt } = useI18n();
  return (
    <div className="table-wrap">
      <table aria-label={t('rewards.catalog.title')}>
        <thead>
          <tr>
            <th scope="col"><span className="visually-hidden">{t('rewards.col.image')}</span></th>
            <th scope="col">{t('rewards.col.name')}</th>
            <th scope="col" className="num">{t('rewards.col.cost')}</th>
            <th scope="col" className="num">{t('rewards.col.stock')}</th>
            <th scope="col" className="num">{t('rewards.col.codes')}</th>
            <th scope="col" className="num">{t('rewards.col.limit')}</th>
            <th scope="col">{t('rewards.col.validity')}</th>
            <th scope="col">{t('rewards.col.status')}</th>
          </tr>
        </thead>
        <tbody>
          {rewards.map((r) => (
            <tr key={r.id}>
              <td className="thumb-cell">{r.images[0] ? <img className="thumb" src={r.images[0]} alt="" loading="lazy" onError={(e) => (e.currentTarget.style.visibility = 'hidden')} /> : <span className="thumb thumb-empty" aria-hidden="true">★</span>}</td>
              <td>
                <Link to={`/rewards/${r.id}`}>{r.name}</Link>
                <div className="muted">{t(`rewards.kind.${r.kind}`)}</div>
              </td>
              <td className="num">{t('rewards.points', { count: r.points_cost, currency: r.points_currency })}</td>
              <td className="num">{r.stock === null ? t('rewards.unlimited') : fmt.number(r.stock)}</td>
              <td className="num">{r.codes_available === null ? '—' : fmt.number(r.codes_available)}</td>
              <td className="num">{r.per_member_limit === null ? '—' : fmt.number(r.per_member_limit)}</td>
              <td>{r.valid_from || r.valid_to ? t('rewards.validity', { from: fmt.date(r.valid_from), to: fmt.date(r.valid_to) }) : t('rewards.always')}</td>
              <td>
                <Badge tone={STATUS_TONE[r.status] ?? 'neutral'}>{t(`rewards.status.${r.status}`)}</Badge>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
