import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { sessionKeys } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { AuthLayout } from '../components/AuthLayout';
import { SignInForm } from '../components/forms/SignInForm';

/** Only paths inside the console are followed after signing in. */
const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

export function SignIn() {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (
    <AuthLayout title={t('signIn.title')} intro={t('signIn.intro')}>
      <SignInForm
        onSignedIn={(answer) => {
          client.setQueryData(sessionKeys.current, answer);
          void navigate(safeNext(params.get('next')), { replace: true });
        }}
      />
    </AuthLayout>
  );
}
