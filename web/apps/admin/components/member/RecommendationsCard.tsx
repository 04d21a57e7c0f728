import { useQuery } from '@tanstack/react-query';
import { memberRecommendationsQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** Items to show the member: neighbours of what they bought (with the items they came from), popular ones to fill in. */
export function RecommendationsCard({ memberId }: { memberId: string }) {
  const { t, fmt } = useI18n();
  const recs = useQuery(memberRecommendationsQuery(memberId));
  return (
    <Card title={t('recs.title')}>
      {recs.isPending ? (
        <Loading label={t('common.loading')} />
      ) : recs.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, recs.error)} retryLabel={t('common.retry')} onRetry={() => void recs.refetch()} />
      ) : recs.data.refreshed_at === null ? (
        <EmptyState title={t('recs.noModel')} />
      ) : recs.data.data.length === 0 ? (
        <EmptyState title={t('recs.empty')} />
      ) : (
        <>
          <ol className="rec-list">
            {recs.data.data.map((r) => (
              <li key={r.sku}>
                <strong>{r.name ?? r.sku}</strong> <code>{r.sku}</code>{' '}
                {r.reason === 'popular' ? (
                  <Badge tone="info">{t('recs.popular')}</Badge>
                ) : (
                  <span className="muted">{t('recs.because', { skus: r.because.join(', ') })}</span>
                )}
              </li>
            ))}
          </ol>
          <p className="muted">{t('recs.refreshed', { when: fmt.dateTime(recs.data.refreshed_at) })}</p>
        </>
      )}
    </Card>
  );
}
