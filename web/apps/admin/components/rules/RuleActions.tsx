import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { setRuleStatus, type Rule } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';

type Action = 'activate' | 'archive';

/** Activate (a draft) and archive (a draft or an active rule), each after a confirmation. */
export function RuleActions({ rule, dirty }: { rule: Rule; dirty: boolean }) {
  const { t } = useI18n();
  const can = useCan();
  const client = useQueryClient();
  const [asking, setAsking] = useState<{ action: Action; busy: boolean; error: string | null } | null>(null);
  const offered: Action[] = [];
  if (rule.status !== 'active' && can('POST /v1/rules/:rule_id/activate')) offered.push('activate');
  if (rule.status !== 'archived' && can('POST /v1/rules/:rule_id/archive')) offered.push('archive');
  if (!offered.length) return null;
  const run = async (action: Action) => {
    setAsking({ action, busy: true, error: null });
    try {
      await setRuleStatus(client, rule.id, action);
      setAsking(null);
    } catch (err) {
      setAsking({ action, busy: false, error: errorMessage(t, err) });
    }
  };
  const close = () => setAsking(null);
  return (
    <>
      {offered.map((a) => (
        <Button key={a} variant={a === 'archive' ? 'danger' : 'secondary'} disabled={a === 'activate' && dirty} title={a === 'activate' && dirty ? t('rules.saveFirst') : undefined} onClick={() => setAsking({ action: a, busy: false, error: null })}>
          {t(`rules.actions.${a}`)}
        </Button>
      ))}
      <Dialog open={!!asking} title={asking ? t(`rules.actions.${asking.action}Title`, { name: rule.name }) : ''} onClose={close} closeLabel={t('common.close')}>
        {asking ? (
          <>
            {asking.error ? <p className="form-error" role="alert">{asking.error}</p> : null}
            <p>{t(`rules.actions.${asking.action}Confirm`, { version: rule.version })}</p>
            <div className="form-actions">
              <Button onClick={close}>{t('common.cancel')}</Button>
              <Button variant={asking.action === 'archive' ? 'danger' : 'primary'} disabled={asking.busy} onClick={() => void run(asking.action)}>
                {t(`rules.actions.${asking.action}Do`)}
              </Button>
            </div>
          </>
        ) : null}
      </Dialog>
    </>
  );
}
