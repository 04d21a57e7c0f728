import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { sessionKeys } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { ErrorState } from '../../../packages/ui';
import { AuthLayout } from '../components/AuthLayout';
import { SetupForm } from '../components/forms/SetupForm';

/** The one-time link's page: the owner's first password, an invitation, or a password reset. */
export function Setup() {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token');
  return (
    <AuthLayout title={t('setup.title')} intro={t('setup.intro')}>
      {token ? (
        <SetupForm
          token={token}
          onDone={(answer) => {
            client.setQueryData(sessionKeys.current, answer);
            void navigate('/', { replace: true });
          }}
        />
      ) : (
        <ErrorState title={t('setup.noToken')} />
      )}
      <p>
        <Link to="/sign-in">{t('setup.toSignIn')}</Link>
      </p>
    </AuthLayout>
  );
}
