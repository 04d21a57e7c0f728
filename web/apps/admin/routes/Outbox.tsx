import { useSearchParams } from 'react-router';
import type { MessageStatus } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, PageHeader, SelectField } from '../../../packages/ui';
import { OutboxList } from '../components/messaging/OutboxList';

const STATUSES: MessageStatus[] = ['queued', 'deferred', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'suppressed'];

/** Every message of the program, newest first, by status: what was sent, kept in the outbox, deferred or stopped. */
export function Outbox() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  return (
    <>
      <PageHeader title={t('messaging.outbox.title')}>
        <p>{t('messaging.outbox.intro')}</p>
      </PageHeader>
      <Card>
        <div className="row">
          <SelectField label={t('messaging.col.status')} value={status ?? ''} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
            <option value="">{t('messaging.outbox.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>{t(`messaging.status.${s}`)}</option>
            ))}
          </SelectField>
        </div>
        <OutboxList status={status} />
      </Card>
    </>
  );
}
