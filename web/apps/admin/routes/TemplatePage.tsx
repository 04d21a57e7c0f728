import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { templateQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { TemplateEditor } from '../components/messaging/TemplateEditor';
import { TemplatePreview } from '../components/messaging/TemplatePreview';
import { TestSend } from '../components/messaging/TestSend';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';

/** A new template, or one template: its variants per locale, a live preview with a member and a test send. */
export function TemplatePage() {
  const { t } = useI18n();
  const can = useCan();
  const { templateId } = useParams();
  const tpl = useQuery({ ...templateQuery(templateId ?? ''), enabled: !!templateId });
  const back = <Link to="/templates">{t('messaging.templates.back')}</Link>;
  if (!templateId) {
    return (
      <>
        <PageHeader title={t('messaging.templates.new')} actions={back} />
        <TemplateEditor />
      </>
    );
  }
  if (tpl.isPending) return <Loading label={t('common.loading')} />;
  if (tpl.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, tpl.error)} retryLabel={t('common.retry')} onRetry={() => void tpl.refetch()} />;
  return (
    <>
      <PageHeader title={tpl.data.name} actions={back} />
      <div className="rule-layout">
        <TemplateEditor template={tpl.data} key={tpl.data.updated_at} />
        <div className="stack">
          {can('POST /v1/templates/:template_id/preview') ? <TemplatePreview template={tpl.data} /> : null}
          {can('POST /v1/templates/:template_id/test-send') && tpl.data.channel === 'email' ? <TestSend template={tpl.data} /> : null}
        </div>
      </div>
    </>
  );
}
