import { useQuery } from '@tanstack/react-query';
import { Navigate, useLocation } from 'react-router';
import { sessionQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { ErrorState, Loading } from '../../../packages/ui';
import { errorMessage } from '../lib/errors';
import { Shell } from './Shell';

/** Every screen but sign-in and setup: without a session (401) it sends the user to sign in, then back. */
export function RequireSession() {
  const { t } = useI18n();
  const location = useLocation();
  const session = useQuery(sessionQuery());
  if (session.isPending) return <Loading label={t('common.loading')} />;
  if (session.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, session.error)} retryLabel={t('common.retry')} onRetry={() => void session.refetch()} />;
  if (!session.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Shell staff={session.data.staff} />;
}
