import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, eraseMember, memberQuery, updateMember } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Button, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { useCurrentProgram } from '../components/ProgramSwitcher';
import { AdjustPointsDialog } from '../components/dialogs/AdjustPointsDialog';
import { ConfirmDialog } from '../components/dialogs/ConfirmDialog';
import { GrantTierDialog } from '../components/dialogs/GrantTierDialog';
import { TagsDialog } from '../components/dialogs/TagsDialog';
import { BalanceCard } from '../components/member/BalanceCard';
import { InsightsCard } from '../components/member/InsightsCard';
import { LedgerTimeline } from '../components/member/LedgerTimeline';
import { OffersCard } from '../components/member/OffersCard';
import { OrdersCard } from '../components/member/OrdersCard';
import { ProfileCard } from '../components/member/ProfileCard';
import { RecommendationsCard } from '../components/member/RecommendationsCard';
import { ReferralCard } from '../components/member/ReferralCard';
import { RefusedEventsLink } from '../components/member/RefusedEventsLink';
import { TierCard } from '../components/member/TierCard';
import { memberName } from '../components/tables/MembersTable';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';

type Open = null | 'adjust' | 'grant' | 'tags' | 'suspend' | 'reactivate' | 'erase';

/**
 * Member 360: profile, identities, consent, tags, tier, balance, what the analytics know (RFM, churn risk,
 * P(alive), CLV), referrals, recommended items and next best offers, the ledger timeline and orders; the actions the user's role allows.
 */
export function MemberPage() {
  const { t } = useI18n();
  const { memberId = '' } = useParams();
  const can = useCan();
  const client = useQueryClient();
  const program = useCurrentProgram();
  const member = useQuery(memberQuery(memberId));
  const [open, setOpen] = useState<Open>(null);
  if (member.isPending) return <Loading label={t('common.loading')} />;
  if (member.isError) {
    if (member.error instanceof ApiError && member.error.status === 404) return <EmptyState title={t('member.notFound')}><Link to="/members">{t('member.back')}</Link></EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, member.error)} retryLabel={t('common.retry')} onRetry={() => void member.refetch()} />;
  }
  const m = member.data;
  const erased = m.status === 'erased';
  const close = () => setOpen(null);
  const actions = erased ? null : (
    <>
      {can('POST /v1/members/:member_id/adjustments') ? (
        <Button variant="primary" onClick={() => setOpen('adjust')}>
          {t('member.adjust')}
        </Button>
      ) : null}
      {can('POST /v1/members/:member_id/tier') ? <Button onClick={() => setOpen('grant')}>{t('member.grant.open')}</Button> : null}
      {can('PATCH /v1/members/:member_id') ? (
        <>
          <Button onClick={() => setOpen('tags')}>{t('member.editTags')}</Button>
          <Button onClick={() => setOpen(m.status === 'suspended' ? 'reactivate' : 'suspend')}>{m.status === 'suspended' ? t('member.reactivate') : t('member.suspend')}</Button>
        </>
      ) : null}
      {can('POST /v1/members/:member_id/erase') ? (
        <Button variant="danger" onClick={() => setOpen('erase')}>
          {t('member.erase')}
        </Button>
      ) : null}
    </>
  );
  return (
    <>
      <PageHeader title={memberName(m) || m.email || (erased ? t('member.erasedName') : m.id)} actions={actions}>
        <p>
          <Link to="/members">{t('member.back')}</Link> · <span>{m.id}</span>
          {can('GET /v1/event-refusals') ? <RefusedEventsLink memberId={m.id} /> : null}
        </p>
      </PageHeader>
      <div className="stack">
        <div className="grid grid-3">
          <ProfileCard member={m} />
          <BalanceCard memberId={m.id} />
          <TierCard memberId={m.id} />
        </div>
        <div className="grid grid-2">
          <InsightsCard memberId={m.id} currency={program.currency} />
          <ReferralCard memberId={m.id} />
        </div>
        <div className="grid grid-2">
          <RecommendationsCard memberId={m.id} />
          <OffersCard memberId={m.id} />
        </div>
        <LedgerTimeline memberId={m.id} />
        <OrdersCard memberId={m.id} />
      </div>
      <AdjustPointsDialog memberId={m.id} open={open === 'adjust'} onClose={close} />
      <GrantTierDialog memberId={m.id} open={open === 'grant'} onClose={close} />
      <TagsDialog memberId={m.id} tags={m.tags} open={open === 'tags'} onClose={close} />
      <ConfirmDialog
        open={open === 'suspend'}
        title={t('member.suspendTitle')}
        confirmLabel={t('member.suspend')}
        onConfirm={() => updateMember(client, m.id, { status: 'suspended' })}
        onClose={close}
      >
        <p>{t('member.suspendText')}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={open === 'reactivate'}
        title={t('member.reactivateTitle')}
        confirmLabel={t('member.reactivate')}
        onConfirm={() => updateMember(client, m.id, { status: 'active' })}
        onClose={close}
      >
        <p>{t('member.reactivateText')}</p>
      </ConfirmDialog>
      <ConfirmDialog open={open === 'erase'} title={t('member.eraseTitle')} confirmLabel={t('member.eraseConfirm')} danger onConfirm={() => eraseMember(client, m.id)} onClose={close}>
        <p>{t('member.eraseText')}</p>
      </ConfirmDialog>
    </>
  );
}
