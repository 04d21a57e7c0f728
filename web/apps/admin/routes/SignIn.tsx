import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { sessionKeys } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { AuthLayout } from '../components/AuthLayout';
import { SignInForm } from '../components/forms/SignInForm';
import { takeSessionEnded } from '../lib/query';

/** Only paths inside the console are followed after signing in. */
const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

export function SignIn() {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [ended] = useState(takeSessionEnded);
  return (
    <AuthLayout title={t('signIn.title')} intro={t('signIn.intro')}>
      {ended ? (
        <p className="notice" role="status">
          {t('errors.auth.no_session')}
        </p>
      ) : null}
      <SignInForm
        onSignedIn={(answer) => {
          client.setQueryData(sessionKeys.current, answer);
          void navigate(safeNext(params.get('next')), { replace: true });
        }}
      />
    </AuthLayout>
  );
}
