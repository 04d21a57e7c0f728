import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { putReferralSettings, referralSettingsQuery, type ReferralSettings } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, ErrorState, Loading, TextField } from '../../../../packages/ui';
import { fromMinor, orNull, ReferralForm, toMinor } from '../../lib/catalogForms';
import { useCan } from '../../lib/access';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';
import { useProgramInfo } from '../../lib/useProgramInfo';

const str = (n: number | null | undefined) => (n == null ? '' : String(n));
const formOf = (s: ReferralSettings, digits: number): ReferralForm => ({
  enabled: s.enabled,
  min_amount: fromMinor(s.condition.min_amount, digits),
  first_purchase: s.condition.first_purchase,
  within_days: str(s.condition.within_days),
  referrer_points: str(s.referrer_reward?.points),
  referee_points: str(s.referee_reward?.points),
  cap_per_referrer: str(s.cap_per_referrer),
  ambassador_threshold: str(s.ambassador_threshold),
});

function SettingsForm({ settings, canEdit }: { settings: ReferralSettings; canEdit: boolean }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const { currency, digits } = useProgramInfo();
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const form = useForm<ReferralForm>({ resolver: zodResolver(ReferralForm), values: formOf(settings, digits) });
  const side = (points: string, kept: ReferralSettings['referrer_reward']) =>
    points.trim() ? { points: Number(points), ...(kept ? { currency: kept.currency, pending_days: kept.pending_days } : {}) } : null;
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    setSaved(false);
    try {
      await putReferralSettings(client, {
        enabled: v.enabled,
        condition: { min_amount: toMinor(v.min_amount, digits), first_purchase: v.first_purchase, within_days: orNull(v.within_days) },
        referrer_reward: side(v.referrer_points, settings.referrer_reward),
        referee_reward: side(v.referee_points, settings.referee_reward),
        cap_per_referrer: orNull(v.cap_per_referrer),
        ambassador_threshold: orNull(v.ambassador_threshold),
      });
      setSaved(true);
    } catch (err) {
      if (!applyFieldError(t, err, ['cap_per_referrer', 'ambassador_threshold'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  const reg = form.register;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={t('loyalty.referrals.settings')}>
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      {saved ? <p className="form-ok" role="status">{t('loyalty.referrals.saved')}</p> : null}
      <fieldset disabled={isSubmitting || !canEdit} className="form-grid">
        <div className="field check span-2">
          <label>
            <input type="checkbox" {...reg('enabled')} /> {t('loyalty.referrals.enabled')}
          </label>
        </div>
        <TextField label={t('loyalty.referrals.minAmount', { currency })} inputMode="decimal" error={fieldError(errors.min_amount)} {...reg('min_amount')} />
        <TextField label={t('loyalty.referrals.withinDays')} hint={t('loyalty.referrals.withinDaysHint')} inputMode="numeric" error={fieldError(errors.within_days)} {...reg('within_days')} />
        <div className="field check span-2">
          <label>
            <input type="checkbox" {...reg('first_purchase')} /> {t('loyalty.referrals.firstPurchase')}
          </label>
        </div>
        <TextField label={t('loyalty.referrals.referrerPoints')} hint={t('loyalty.referrals.noneHint')} inputMode="numeric" error={fieldError(errors.referrer_points)} {...reg('referrer_points')} />
        <TextField label={t('loyalty.referrals.refereePoints')} hint={t('loyalty.referrals.noneHint')} inputMode="numeric" error={fieldError(errors.referee_points)} {...reg('referee_points')} />
        <TextField label={t('loyalty.referrals.cap')} hint={t('loyalty.referrals.capHint')} inputMode="numeric" error={fieldError(errors.cap_per_referrer)} {...reg('cap_per_referrer')} />
        <TextField label={t('loyalty.referrals.ambassador')} hint={t('loyalty.referrals.ambassadorHint')} inputMode="numeric" error={fieldError(errors.ambassador_threshold)} {...reg('ambassador_threshold')} />
        {canEdit ? (
          <div className="form-actions span-2">
            <Button variant="primary" type="submit">
              {isSubmitting ? t('loyalty.saving') : t('loyalty.referrals.save')}
            </Button>
          </div>
        ) : null}
      </fieldset>
    </form>
  );
}

/** The referral programme's rules: the qualifying purchase, each side's reward, the cap, the ambassador threshold. */
export function ReferralSettingsCard() {
  const { t } = useI18n();
  const can = useCan();
  const settings = useQuery(referralSettingsQuery());
  return (
    <Card title={t('loyalty.referrals.settings')}>
      {settings.isPending ? (
        <Loading label={t('common.loading')} />
      ) : settings.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, settings.error)} retryLabel={t('common.retry')} onRetry={() => void settings.refetch()} />
      ) : (
        <SettingsForm settings={settings.data} canEdit={can('PUT /v1/referrals/settings')} />
      )}
    </Card>
  );
}
