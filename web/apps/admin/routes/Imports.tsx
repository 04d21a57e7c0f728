import { useEffect } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { importKeys, importListQuery, importQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { ImportProgress } from '../components/imports/ImportProgress';
import { ImportsTable } from '../components/imports/ImportsTable';
import { MappingForm } from '../components/imports/MappingForm';
import { UploadCard } from '../components/imports/UploadCard';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

/** Upload a file, map its columns, watch it run; the imports made before. The import shown is in the URL. */
export function Imports() {
  const { t } = useI18n();
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const id = params.get('import');
  const pages = useCursorPages('imports');
  const list = useQuery({ ...importListQuery(pages.cursor), placeholderData: keepPreviousData });
  const one = useQuery({ ...importQuery(id ?? ''), enabled: !!id });
  const item = id ? one.data : undefined;
  // The list follows the run shown: once it ends, its row is read again.
  const client = useQueryClient();
  const status = item?.status;
  useEffect(() => {
    if (status) void client.invalidateQueries({ queryKey: [...importKeys.all(), 'list'] });
  }, [status, client]);
  return (
    <>
      <PageHeader title={t('imports.title')}>
        <p>{t('imports.intro')}</p>
      </PageHeader>
      <div className="stack">
        {can('POST /v1/imports') ? <UploadCard onUploaded={(i) => setParams({ import: i.id })} /> : null}
        {id && one.isPending ? <Loading label={t('common.loading')} /> : null}
        {id && one.isError ? <ErrorState title={t('common.loadFailed')} message={errorMessage(t, one.error)} retryLabel={t('common.retry')} onRetry={() => void one.refetch()} /> : null}
        {item && (item.status === 'uploaded' || item.status === 'failed') && can('POST /v1/imports/:import_id/start') ? <MappingForm key={`${item.id}-${item.status}`} item={item} /> : null}
        {item && item.status !== 'uploaded' ? <ImportProgress item={item} /> : null}
        <Card title={t('imports.list.title')}>
          {list.isPending ? (
            <Loading label={t('common.loading')} />
          ) : list.isError ? (
            <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
          ) : list.data.data.length === 0 ? (
            <EmptyState title={t('imports.list.empty')} />
          ) : (
            <>
              <ImportsTable items={list.data.data} />
              <CursorPager pages={pages} next={list.data.next_cursor} />
            </>
          )}
        </Card>
      </div>
    </>
  );
}
