import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, testSendTemplate, type Template } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** Sends the template once to an address now, with sample values; the message shows in the Outbox. */
export function TestSend({ template }: { template: Template }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [to, setTo] = useState('');
  const send = useMutation({ mutationFn: () => testSendTemplate(client, template.id, { to: to.trim() }) });
  const error = send.isError ? errorMessage(t, send.error) : undefined;
  return (
    <Card title={t('messaging.testSend.title')}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <fieldset disabled={send.isPending} className="stack">
          <legend className="visually-hidden">{t('messaging.testSend.title')}</legend>
          <TextField label={t('messaging.testSend.to')} type="email" required value={to} error={send.error instanceof ApiError && send.error.field === 'to' ? error : undefined} onChange={(e) => setTo(e.target.value)} />
          <div className="row">
            <Button variant="primary" type="submit">{t('messaging.testSend.send')}</Button>
          </div>
        </fieldset>
        {error && !(send.error instanceof ApiError && send.error.field === 'to') ? <p role="alert" className="field-error">{error}</p> : null}
        {send.data ? (
          <p role="status">
            {t('messaging.testSend.done', { to: send.data.to ?? '', status: t(`messaging.status.${send.data.status}`) })} <Link to={`/outbox/${send.data.id}`}>{t('messaging.testSend.open')}</Link>
          </p>
        ) : null}
      </form>
    </Card>
  );
}
