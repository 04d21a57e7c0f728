import { useState, type ReactNode } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** Asks before an action that matters (suspend, erase), runs it, and shows the server's refusal if there is one. */
export function ConfirmDialog({ open, title, children, confirmLabel, danger, onConfirm, onClose }: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title={title} onClose={close} closeLabel={t('common.close')}>
      {error ? <p className="form-error" role="alert">{error}</p> : null}
      <div className="confirm-text">{children}</div>
      <div className="form-actions">
        <Button onClick={close}>{t('common.cancel')}</Button>
        <Button variant={danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
