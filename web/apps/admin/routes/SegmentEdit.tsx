import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, segmentQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { SegmentBuilder } from '../components/segments/SegmentBuilder';
import { errorMessage } from '../lib/errors';

export function SegmentNew() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('segments.newTitle')}>
        <p>
          <Link to="/segments">{t('segments.back')}</Link> · {t('segments.builderIntro')}
        </p>
      </PageHeader>
      <SegmentBuilder />
    </>
  );
}

export function SegmentEdit() {
  const { t } = useI18n();
  const { segmentId = '' } = useParams();
  const segment = useQuery(segmentQuery(segmentId));
  if (segment.isPending) return <Loading label={t('common.loading')} />;
  if (segment.isError) {
    if (segment.error instanceof ApiError && segment.error.status === 404) return <EmptyState title={t('segments.notFound')}><Link to="/segments">{t('segments.back')}</Link></EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, segment.error)} retryLabel={t('common.retry')} onRetry={() => void segment.refetch()} />;
  }
  return (
    <>
      <PageHeader title={t('segments.editTitle', { name: segment.data.name })}>
        <p>
          <Link to={`/segments/${segmentId}`}>{t('segments.backToSegment')}</Link> · {t('segments.builderIntro')}
        </p>
      </PageHeader>
      <SegmentBuilder key={segment.data.id} segment={segment.data} />
    </>
  );
}
