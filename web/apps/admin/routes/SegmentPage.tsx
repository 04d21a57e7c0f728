import { useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, deleteSegment, downloadCsv, segmentCsvUrl, segmentMembersQuery, segmentQuery } from '../../../packages/api-client';
import { useCurrentProgram } from '../components/ProgramSwitcher';
import { useI18n } from '../../../packages/i18n';
import { Button, Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { ConditionsSummary } from '../components/segments/ConditionsSummary';
import { SegmentMembersTable } from '../components/segments/MembersValues';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

/** A segment: what it means, its members now (page by page, each linking to the member), and its CSV. */
export function SegmentPage() {
  const { t, fmt } = useI18n();
  const current = useCurrentProgram();
  const can = useCan();
  const client = useQueryClient();
  const navigate = useNavigate();
  const { segmentId = '' } = useParams();
  const segment = useQuery(segmentQuery(segmentId));
  const pages = useCursorPages(segmentId);
  const members = useQuery({ ...segmentMembersQuery(segmentId, pages.cursor), placeholderData: keepPreviousData, enabled: segment.isSuccess });
  const [actionError, setActionError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  if (segment.isPending) return <Loading label={t('common.loading')} />;
  if (segment.isError) {
    if (segment.error instanceof ApiError && segment.error.status === 404) return <EmptyState title={t('segments.notFound')}><Link to="/segments">{t('segments.back')}</Link></EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, segment.error)} retryLabel={t('common.retry')} onRetry={() => void segment.refetch()} />;
  }
  const s = segment.data;
  const currency = current.currency;
  const exportCsv = async () => {
    setActionError(null);
    setExporting(true);
    await downloadCsv(segmentCsvUrl(s.id), `segment-${s.id}.csv`).catch((err: unknown) => setActionError(errorMessage(t, err)));
    setExporting(false);
  };
  const remove = async () => {
    if (!window.confirm(t('segments.confirmDelete', { name: s.name }))) return;
    try {
      await deleteSegment(client, s.id);
      void navigate('/segments');
    } catch (err) {
      setActionError(errorMessage(t, err));
    }
  };
  return (
    <>
      <PageHeader
        title={s.name}
        actions={
          <>
            <Button variant="primary" onClick={() => void exportCsv()} disabled={exporting}>
              {exporting ? t('segments.exporting') : t('segments.export')}
            </Button>
            {can('PATCH /v1/analytics/segments/:segment_id') ? <Link className="btn btn-secondary" to={`/segments/${s.id}/edit`}>{t('segments.edit')}</Link> : null}
            {can('DELETE /v1/analytics/segments/:segment_id') ? <Button variant="danger" onClick={() => void remove()}>{t('segments.delete')}</Button> : null}
          </>
        }
      >
        <p>
          <Link to="/segments">{t('segments.back')}</Link>
          {s.description ? ` · ${s.description}` : ''}
        </p>
      </PageHeader>
      <div className="stack">
        {actionError ? <p className="form-error" role="alert">{actionError}</p> : null}
        <div className="grid grid-2">
          <Card title={t('segments.size')}>
            <p className="live-size" aria-label={t('segments.size')}>{t('segments.members', { count: s.size })}</p>
            <p className="muted">{t('segments.countedAt', { at: fmt.dateTime(s.counted_at) })}</p>
            {s.scores ? <p className="muted">{s.scores.computed_at ? t('segments.scoresAt', { at: fmt.dateTime(s.scores.computed_at) }) : t('segments.noScores')}</p> : null}
          </Card>
          <Card title={t('segments.definition')}>
            <ConditionsSummary conditions={s.conditions} currency={currency} />
          </Card>
        </div>
        <Card title={t('segments.membersTitle')}>
          {members.isPending ? (
            <Loading label={t('common.loading')} />
          ) : members.isError ? (
            <ErrorState title={t('common.loadFailed')} message={errorMessage(t, members.error)} retryLabel={t('common.retry')} onRetry={() => void members.refetch()} />
          ) : members.data.data.length === 0 ? (
            <EmptyState title={t('segments.noMembers')} />
          ) : (
            <>
              <SegmentMembersTable members={members.data.data} fields={members.data.fields} currency={currency} />
              <CursorPager pages={pages} next={members.data.next_cursor} />
            </>
          )}
        </Card>
      </div>
    </>
  );
}
