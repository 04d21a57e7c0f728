import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { sessionQuery, staffListQuery, type StaffUser } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Button, Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { EditStaffDialog } from '../components/staff/EditStaffDialog';
import { InviteStaffDialog } from '../components/staff/InviteStaffDialog';
import { ResetLinkDialog } from '../components/staff/ResetLinkDialog';
import { RoleLegend } from '../components/staff/RoleLegend';
import { StaffTable } from '../components/staff/StaffTable';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

/** Staff users of the workspace: invite, change role and programs, disable, reset a password. */
export function Staff() {
  const { t } = useI18n();
  const can = useCan();
  const session = useQuery(sessionQuery());
  const pages = useCursorPages('staff');
  const list = useQuery({ ...staffListQuery(pages.cursor), placeholderData: keepPreviousData });
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<StaffUser | null>(null);
  const [resetting, setResetting] = useState<StaffUser | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const viewer = session.data?.staff ?? { id: '', role: 'admin' as const };
  const canWrite = can('PATCH /v1/staff/:staff_id');
  return (
    <>
      <PageHeader title={t('staff.title')} actions={can('POST /v1/staff') ? <Button variant="primary" onClick={() => setInviting(true)}>{t('staff.invite')}</Button> : null}>
        <p>{t('staff.intro')}</p>
      </PageHeader>
      <div className="stack">
        <Card>
          {actionError ? <p className="form-error" role="alert">{actionError}</p> : null}
          {list.isPending ? (
            <Loading label={t('common.loading')} />
          ) : list.isError ? (
            <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
          ) : list.data.data.length === 0 ? (
            <EmptyState title={t('staff.empty')} />
          ) : (
            <>
              <StaffTable
                staff={list.data.data}
                viewer={viewer}
                canWrite={canWrite}
                actions={{ edit: setEditing, reset: setResetting, onError: (err) => setActionError(errorMessage(t, err)) }}
              />
              <CursorPager pages={pages} next={list.data.next_cursor} />
            </>
          )}
        </Card>
        <RoleLegend />
      </div>
      <InviteStaffDialog open={inviting} onClose={() => setInviting(false)} viewerIsOwner={viewer.role === 'owner'} />
      {editing ? <EditStaffDialog staff={editing} viewerIsOwner={viewer.role === 'owner'} onClose={() => setEditing(null)} /> : null}
      {resetting ? <ResetLinkDialog staff={resetting} onClose={() => setResetting(null)} /> : null}
    </>
  );
}
