import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { templateListQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { CursorPager } from '../components/CursorPager';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';

/** The program's message templates; marketers create and edit them. */
export function Templates() {
  const { t, fmt } = useI18n();
  const can = useCan();
  const pages = useCursorPages('');
  const list = useQuery({ ...templateListQuery(pages.cursor), placeholderData: keepPreviousData });
  return (
    <>
      <PageHeader title={t('messaging.templates.title')} actions={can('POST /v1/templates') ? <Link className="btn btn-primary" to="/templates/new">{t('messaging.templates.add')}</Link> : null}>
        <p>{t('messaging.templates.intro')}</p>
      </PageHeader>
      <Card>
        {list.isPending ? (
          <Loading label={t('common.loading')} />
        ) : list.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <EmptyState title={t('messaging.templates.empty')} />
        ) : (
          <>
            <div className="table-wrap">
              <table aria-label={t('messaging.templates.title')}>
                <thead>
                  <tr>
                    <th scope="col">{t('messaging.col.name')}</th>
                    <th scope="col">{t('messaging.col.channel')}</th>
                    <th scope="col">{t('messaging.col.locales')}</th>
                    <th scope="col">{t('messaging.col.updated')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.data.map((tpl) => (
                    <tr key={tpl.id}>
                      <td>
                        <Link to={`/templates/${tpl.id}`}>{tpl.name}</Link>
                      </td>
                      <td>
                        <Badge tone="info">{t(`messaging.channel.${tpl.channel}`)}</Badge>
                      </td>
                      <td>{Object.keys(tpl.variants).map((l) => t(`messaging.locale.${l}`)).join(', ')}</td>
                      <td>{fmt.dateTime(tpl.updated_at)}</td>
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
