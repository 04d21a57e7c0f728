import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { segmentListQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

/** Saved segments with their size now; marketers build new ones. */
export function Segments() {
  const { t, fmt } = useI18n();
  const can = useCan();
  const pages = useCursorPages('segments');
  const list = useQuery({ ...segmentListQuery(pages.cursor), placeholderData: keepPreviousData });
  const canCreate = can('POST /v1/analytics/segments');
  return (
    <>
      <PageHeader title={t('segments.title')} actions={canCreate ? <Link className="btn btn-primary" to="/segments/new">{t('segments.new')}</Link> : null}>
        <p>{t('segments.intro')}</p>
      </PageHeader>
      <Card>
        {list.isPending ? (
          <Loading label={t('common.loading')} />
        ) : list.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <EmptyState title={t('segments.empty')}>{canCreate ? <Link to="/segments/new">{t('segments.new')}</Link> : null}</EmptyState>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('segments.col.name')}</th>
                    <th scope="col">{t('segments.col.description')}</th>
                    <th scope="col" className="num">{t('segments.col.size')}</th>
                    <th scope="col">{t('segments.col.updated')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.data.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <Link to={`/segments/${s.id}`}>{s.name}</Link>
                      </td>
                      <td>{s.description || '—'}</td>
                      <td className="num">{fmt.number(s.size)}</td>
                      <td>{fmt.dateTime(s.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <CursorPager pages={pages} next={list.data.next_cursor} />
          </>
        )}
      </Card>
    </>
  );
}
