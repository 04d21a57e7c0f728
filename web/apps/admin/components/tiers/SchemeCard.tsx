import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ApiError, tierSchemeQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { SchemeDialog } from './SchemeDialog';

/** How members qualify; marketers edit it. A program without a scheme offers to set one up. */
export function SchemeCard() {
  const { t, fmt } = useI18n();
  const can = useCan();
  const scheme = useQuery(tierSchemeQuery());
  const [editing, setEditing] = useState(false);
  const missing = scheme.isError && scheme.error instanceof ApiError && scheme.error.status === 404;
  const canEdit = can('PUT /v1/tiers/scheme');
  const edit = canEdit ? <Button onClick={() => setEditing(true)}>{missing ? t('tiers.scheme.setUp') : t('tiers.scheme.edit')}</Button> : null;
  return (
    <Card title={t('tiers.scheme.title')} actions={scheme.isSuccess || missing ? edit : null}>
      {scheme.isPending ? (
        <Loading label={t('common.loading')} />
      ) : missing ? (
        <EmptyState title={t('tiers.scheme.none')} />
      ) : scheme.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, scheme.error)} retryLabel={t('common.retry')} onRetry={() => void scheme.refetch()} />
      ) : (
        <dl className="facts">
          <dt>{t('tiers.scheme.metric')}</dt>
          <dd>{t(`tiers.metric.${scheme.data.metric}`)}</dd>
          <dt>{t('tiers.scheme.window')}</dt>
          <dd>{scheme.data.window.type === 'rolling' ? t('tiers.window.rolling', { count: scheme.data.window.months }) : t('tiers.window.calendar_year')}</dd>
          <dt>{t('tiers.scheme.graceDays')}</dt>
          <dd>{t('tiers.days', { count: scheme.data.grace_days })}</dd>
          <dt>{t('tiers.scheme.softLanding')}</dt>
          <dd>{scheme.data.soft_landing ? t('tiers.scheme.softOn') : t('tiers.scheme.softOff')}</dd>
          <dt>{t('tiers.scheme.updated')}</dt>
          <dd>{fmt.dateTime(scheme.data.updated_at)}</dd>
        </dl>
      )}
      {canEdit ? <SchemeDialog scheme={scheme.data} open={editing} onClose={() => setEditing(false)} /> : null}
    </Card>
  );
}
