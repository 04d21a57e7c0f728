import { Link } from 'react-router';
import { useI18n } from '../../../packages/i18n';
import { EmptyState } from '../../../packages/ui';

export function NotFound() {
  const { t } = useI18n();
  return (
    <EmptyState title={t('notFound.title')}>
      <Link to="/">{t('notFound.back')}</Link>
    </EmptyState>
  );
}
