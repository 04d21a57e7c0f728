import { useQuery } from '@tanstack/react-query';
import { memberOffersQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** The next best offers: rewards the member can take, affordable first, with the points still needed. */
export function OffersCard({ memberId }: { memberId: string }) {
  const { t, fmt } = useI18n();
  const offers = useQuery(memberOffersQuery(memberId));
  return (
    <Card title={t('recs.offers.title')}>
      {offers.isPending ? (
        <Loading label={t('common.loading')} />
      ) : offers.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, offers.error)} retryLabel={t('common.retry')} onRetry={() => void offers.refetch()} />
      ) : offers.data.data.length === 0 ? (
        <EmptyState title={t('recs.offers.empty')} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('recs.offers.reward')}</th>
                <th scope="col" className="num">{t('recs.offers.cost')}</th>
                <th scope="col">{t('recs.offers.status')}</th>
                <th scope="col" className="num">{t('recs.offers.takeUp')}</th>
              </tr>
            </thead>
            <tbody>
              {offers.data.data.map((o) => (
                <tr key={o.reward_id}>
                  <td>{o.name}</td>
                  <td className="num">{fmt.number(o.points_cost)}</td>
                  <td>
                    {o.affordable ? <Badge tone="good">{t('recs.offers.affordable')}</Badge> : t('recs.offers.needed', { count: o.points_needed })}
                  </td>
                  <td className="num">
                    {fmt.percent(o.score)} <span className="muted">{o.reason === 'segment' ? t('recs.offers.bySegment') : t('recs.offers.byAll')}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
