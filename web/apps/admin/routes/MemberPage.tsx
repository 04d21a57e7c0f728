import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, memberQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Button, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { AdjustPointsDialog } from '../components/dialogs/AdjustPointsDialog';
import { BalanceCard } from '../components/member/BalanceCard';
import { LedgerTimeline } from '../components/member/LedgerTimeline';
import { ProfileCard } from '../components/member/ProfileCard';
import { TierCard } from '../components/member/TierCard';
import { memberName } from '../components/tables/MembersTable';
import { errorMessage } from '../lib/errors';

/** Member 360: profile, identities, tags, tier, balance, the ledger timeline and orders; adjust points. */
export function MemberPage() {
  const { t } = useI18n();
  const { memberId = '' } = useParams();
  const member = useQuery(memberQuery(memberId));
  const [adjusting, setAdjusting] = useState(false);
  if (member.isPending) return <Loading label={t('common.loading')} />;
  if (member.isError) {
    if (member.error instanceof ApiError && member.error.status === 404) return <EmptyState title={t('member.notFound')}><Link to="/members">{t('member.back')}</Link></EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, member.error)} retryLabel={t('common.retry')} onRetry={() => void member.refetch()} />;
  }
  const m = member.data;
  return (
    <>
      <PageHeader title={memberName(m) || m.email || m.id} actions={<Button variant="primary" onClick={() => setAdjusting(true)}>{t('member.adjust')}</Button>}>
        <p>
          <Link to="/members">{t('member.back')}</Link> · <span>{m.id}</span>
        </p>
      </PageHeader>
      <div className="stack">
        <div className="grid grid-3">
          <ProfileCard member={m} />
          <BalanceCard memberId={m.id} />
          <TierCard memberId={m.id} />
        </div>
        <LedgerTimeline memberId={m.id} />
      </div>
      <AdjustPointsDialog memberId={m.id} open={adjusting} onClose={() => setAdjusting(false)} />
    </>
  );
}
