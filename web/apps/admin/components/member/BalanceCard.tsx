import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { balanceQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

export function BalanceCard({ memberId, actions }: { memberId: string; actions?: ReactNode }) {
  const { t, fmt } = useI18n();
  const balance = useQuery(balanceQuery(memberId));
  return (
    <Card title={t('member.balance')} actions={actions}>
      {balance.isPending ? (
        <Loading label={t('common.loading')} />
      ) : balance.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, balance.error)} />
      ) : (
        <>
          <p className="balance-main" aria-label={t('member.available')} data-testid="balance-available">
            {t('member.points', { count: balance.data.available })}
          </p>
          <dl className="facts">
            <dt>{t('member.pending')}</dt>
            <dd>{fmt.number(balance.data.pending)}</dd>
            <dt>{t('member.held')}</dt>
            <dd>{fmt.number(balance.data.held)}</dd>
            <dt>{t('member.lifetimeEarned')}</dt>
            <dd>{fmt.number(balance.data.lifetime.earned)}</dd>
            <dt>{t('member.lifetimeSpent')}</dt>
            <dd>{fmt.number(balance.data.lifetime.spent)}</dd>
            <dt>{t('member.expiries')}</dt>
            <dd>
              {balance.data.next_expiries.length
                ? balance.data.next_expiries.slice(0, 3).map((e) => (
                    <div key={e.expires_at}>{t('member.expiryLine', { points: fmt.number(e.points), date: fmt.date(e.expires_at) })}</div>
                  ))
                : t('member.noExpiries')}
            </dd>
          </dl>
        </>
      )}
    </Card>
  );
}
