import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { keysQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Button, Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { CreateKeyDialog } from '../components/dialogs/CreateKeyDialog';
import { KeysTable } from '../components/tables/KeysTable';
import { errorMessage } from '../lib/errors';

export function ApiKeys() {
  const { t } = useI18n();
  const keys = useQuery(keysQuery());
  const [creating, setCreating] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  return (
    <>
      <PageHeader title={t('keys.title')} actions={<Button variant="primary" onClick={() => setCreating(true)}>{t('keys.create')}</Button>}>
        <p>{t('keys.intro')}</p>
      </PageHeader>
      <Card>
        {actionError ? <p className="form-error" role="alert">{actionError}</p> : null}
        {keys.isPending ? (
          <Loading label={t('common.loading')} />
        ) : keys.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, keys.error)} retryLabel={t('common.retry')} onRetry={() => void keys.refetch()} />
        ) : keys.data.data.length === 0 ? (
          <EmptyState title={t('keys.empty')} />
        ) : (
          <KeysTable keys={keys.data.data} onError={(err) => setActionError(errorMessage(t, err))} />
        )}
      </Card>
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
