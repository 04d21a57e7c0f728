import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, ruleQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { EmptyState, ErrorState, Loading } from '../../../packages/ui';
import { RuleEditor } from '../components/rules/RuleEditor';
import { errorMessage } from '../lib/errors';
import { useProgramInfo } from '../lib/useProgramInfo';

/** One rule in the builder (`/rules/:ruleId`), or a new one (`/rules/new`). */
export function RulePage() {
  const { t } = useI18n();
  const { ruleId } = useParams();
  const program = useProgramInfo();
  const rule = useQuery({ ...ruleQuery(ruleId ?? ''), enabled: !!ruleId });
  if (ruleId && rule.isPending) return <Loading label={t('common.loading')} />;
  if (ruleId && rule.isError) {
    if (rule.error instanceof ApiError && rule.error.status === 404) return <EmptyState title={t('rules.notFound')}><Link to="/rules">{t('rules.back')}</Link></EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, rule.error)} retryLabel={t('common.retry')} onRetry={() => void rule.refetch()} />;
  }
  // Keyed by rule: another rule (or a new one) starts from its own saved state.
  return <RuleEditor key={ruleId ?? 'new'} rule={ruleId ? (rule.data ?? null) : null} ctx={program} />;
}
