import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { putTierScheme, type TierScheme } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, SelectField, TextField } from '../../../../packages/ui';
import { SchemeForm } from '../../lib/catalogForms';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';

const defaults = (s: TierScheme | undefined): SchemeForm => ({
  metric: s?.metric ?? 'spend',
  window: s?.window.type ?? 'calendar_year',
  months: s?.window.type === 'rolling' ? String(s.window.months) : '12',
  grace_days: String(s?.grace_days ?? 0),
  soft_landing: s?.soft_landing ?? false,
});

/** Sets how members qualify: the metric, the window, the grace days and the soft landing. */
export function SchemeDialog({ scheme, open, onClose }: { scheme: TierScheme | undefined; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<SchemeForm>({ resolver: zodResolver(SchemeForm), values: defaults(scheme) });
  const close = () => {
    setFormError(null);
    form.reset(defaults(scheme));
    onClose();
  };
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    try {
      await putTierScheme(client, {
        metric: v.metric,
        window: v.window === 'rolling' ? { type: 'rolling', months: Number(v.months) } : { type: 'calendar_year' },
        grace_days: Number(v.grace_days),
        soft_landing: v.soft_landing,
      });
      onClose();
    } catch (err) {
      if (!applyFieldError(t, err, ['metric', 'grace_days', 'soft_landing'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  const rolling = form.watch('window') === 'rolling';
  return (
    <Dialog open={open} title={t('tiers.scheme.edit')} onClose={close} closeLabel={t('common.close')}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {formError ? <p className="form-error" role="alert">{formError}</p> : null}
        <fieldset disabled={isSubmitting}>
          <SelectField label={t('tiers.scheme.metric')} hint={t('tiers.scheme.metricHint')} error={fieldError(errors.metric)} {...form.register('metric')}>
            <option value="spend">{t('tiers.metric.spend')}</option>
            <option value="purchases">{t('tiers.metric.purchases')}</option>
            <option value="status_credits">{t('tiers.metric.status_credits')}</option>
          </SelectField>
          <SelectField label={t('tiers.scheme.window')} {...form.register('window')}>
            <option value="calendar_year">{t('tiers.window.calendar_year')}</option>
            <option value="rolling">{t('tiers.window.rollingChoice')}</option>
          </SelectField>
          {rolling ? <TextField label={t('tiers.scheme.months')} inputMode="numeric" error={fieldError(errors.months)} {...form.register('months')} /> : null}
          <TextField label={t('tiers.scheme.graceDays')} hint={t('tiers.scheme.graceHint')} inputMode="numeric" error={fieldError(errors.grace_days)} {...form.register('grace_days')} />
          <div className="field check">
            <label>
              <input type="checkbox" {...form.register('soft_landing')} /> {t('tiers.scheme.softLanding')}
            </label>
            <p className="field-hint">{t('tiers.scheme.softLandingHint')}</p>
          </div>
          <div className="form-actions">
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button variant="primary" type="submit">
              {isSubmitting ? t('tiers.saving') : t('tiers.scheme.save')}
            </Button>
          </div>
        </fieldset>
      </form>
    </Dialog>
  );
}
