import { useEffect, useState } from 'react';
import { resetStaffPassword, type StaffUser } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { LinkOnce } from './LinkOnce';

/** Asks for a new one-time password link once the user confirms, and shows it this once. */
export function ResetLinkDialog({ staff, onClose }: { staff: StaffUser; onClose: () => void }) {
  const { t } = useI18n();
  const [state, setState] = useState<{ url?: string; error?: string; asked: boolean }>({ asked: false });
  useEffect(() => setState({ asked: false }), [staff.id]);
  const ask = () => {
    setState({ asked: true });
    resetStaffPassword(staff.id).then(
      (r) => setState({ asked: true, url: r.setup_url }),
      (err: unknown) => setState({ asked: true, error: errorMessage(t, err) }),
    );
  };
  return (
    <Dialog open title={t('staff.resetTitle', { email: staff.email })} onClose={onClose} closeLabel={t('common.close')}>
      {!state.asked ? (
        <div className="stack">
          <p>{t('staff.resetExplain')}</p>
          <div className="form-actions">
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button variant="primary" onClick={ask}>
              {t('staff.resetConfirm')}
            </Button>
          </div>
        </div>
      ) : state.error ? (
        <ErrorState title={t('staff.resetFailed')} message={state.error} />
      ) : state.url ? (
        <div className="stack">
          <LinkOnce url={state.url} intro={t('staff.resetLinkOnce')} />
          <div className="form-actions">
            <Button variant="primary" onClick={onClose}>
              {t('staff.done')}
            </Button>
          </div>
        </div>
      ) : (
        <Loading label={t('common.loading')} />
      )}
    </Dialog>
  );
}
