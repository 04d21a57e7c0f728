import { useQuery } from '@tanstack/react-query';
import { tierSummaryQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** How many members hold each level, and their share of the program. */
export function TierMembersCard() {
  const { t, fmt } = useI18n();
  const summary = useQuery(tierSummaryQuery());
  const rows = summary.data ? [...summary.data.levels].reverse().map((l) => ({ key: l.id, name: l.name, members: l.members })) : [];
  if (summary.data) rows.push({ key: '', name: t('tiers.members.noTier'), members: summary.data.no_tier });
  const total = summary.data?.members ?? 0;
  return (
    <Card title={t('tiers.members.title')}>
      {summary.isPending ? (
        <Loading label={t('common.loading')} />
      ) : summary.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, summary.error)} retryLabel={t('common.retry')} onRetry={() => void summary.refetch()} />
      ) : summary.data.levels.length === 0 ? (
        <EmptyState title={t('tiers.levels.none')} />
      ) : (
        <div className="table-wrap">
          <table aria-label={t('tiers.members.title')}>
            <thead>
              <tr>
                <th scope="col">{t('tiers.col.level')}</th>
                <th scope="col" className="num">{t('tiers.col.members')}</th>
                <th scope="col" className="num">{t('tiers.col.share')}</th>
                <th scope="col"><span className="visually-hidden">{t('tiers.col.bar')}</span></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const share = total ? r.members / total : 0;
                return (
                  <tr key={r.key}>
                    <th scope="row">{r.name}</th>
                    <td className="num">{fmt.number(r.members)}</td>
                    <td className="num">{fmt.percent(share)}</td>
                    <td className="bar-cell">
                      <span className="share-bar" style={{ width: `${Math.round(share * 100)}%` }} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t('tiers.members.total')}</th>
                <td className="num">{fmt.number(total)}</td>
                <td colSpan={2} />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </Card>
  );
}
