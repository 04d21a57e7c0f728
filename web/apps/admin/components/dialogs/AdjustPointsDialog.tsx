import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { adjustPoints } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, SelectField, TextAreaField, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { AdjustForm } from '../../lib/schemas';
import { useFieldError } from '../../lib/useFieldError';

/** Credits or debits points by hand, with the reason the audit keeps; the balance and timeline refresh after. */
export function AdjustPointsDialog({ memberId, open, onClose }: { memberId: string; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<AdjustForm>({ resolver: zodResolver(AdjustForm), defaultValues: { direction: 'credit', points: '', reason: '' } });
  const close = () => {
    form.reset();
    setFormError(null);
    onClose();
  };
  const submit = form.handleSubmit(async ({ direction, points, reason }) => {
    setFormError(null);
    try {
      const n = Number(points);
      await adjustPoints(client, memberId, { points: direction === 'debit' ? -n : n, reason });
      close();
    } catch (err) {
      if (!applyFieldError(t, err, ['points', 'reason'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} title={t('adjust.title')} onClose={close} closeLabel={t('common.close')}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {formError ? <p className="form-error" role="alert">{formError}</p> : null}
        <fieldset disabled={isSubmitting}>
          <SelectField label={t('adjust.direction')} {...form.register('direction')}>
            <option value="credit">{t('adjust.credit')}</option>
            <option value="debit">{t('adjust.debit')}</option>
          </SelectField>
          <TextField label={t('adjust.points')} inputMode="numeric" error={fieldError(errors.points)} {...form.register('points')} />
          <TextAreaField label={t('adjust.reason')} hint={t('adjust.reasonHint')} error={fieldError(errors.reason)} {...form.register('reason')} />
          <div className="form-actions">
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button variant="primary" type="submit">
              {isSubmitting ? t('adjust.submitting') : t('adjust.submit')}
            </Button>
          </div>
        </fieldset>
      </form>
    </Dialog>
  );
}
