import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { createReward, tierLevelsQuery, updateReward, type Reward } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextAreaField, TextField } from '../../../../packages/ui';
import { COUPON_KINDS, REWARD_KINDS, RewardForm as Schema } from '../../lib/catalogForms';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';
import { useProgramInfo } from '../../lib/useProgramInfo';
import { bodyOf, formOf } from './rewardBody';

const SERVER_FIELDS = ['name', 'description', 'sku', 'partner', 'cause', 'points_cost', 'points_currency', 'stock', 'per_member_limit', 'valid_from', 'valid_to', 'images', 'status'] as const;

/** Every field of a reward; its kind is chosen once. `readOnly`: shown, not editable (roles that may not write). */
export function RewardForm({ reward, readOnly = false }: { reward?: Reward; readOnly?: boolean }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const navigate = useNavigate();
  const fieldError = useFieldError();
  const { currency, digits, pointCurrencies } = useProgramInfo();
  const levels = useQuery(tierLevelsQuery());
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const form = useForm<Schema>({ resolver: zodResolver(Schema), values: formOf(reward, pointCurrencies[0] ?? 'points', digits) });
  const kind = form.watch('kind');
  const discountType = form.watch('discount_type');
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    setSaved(false);
    try {
      const body = bodyOf(v, digits);
      if (reward) {
        const { kind: _kind, ...patch } = body;
        await updateReward(client, reward.id, patch);
        setSaved(true);
      } else {
        const made = await createReward(client, body);
        await navigate(`/rewards/${made.id}`);
      }
    } catch (err) {
      if (!applyFieldError(t, err, SERVER_FIELDS, form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  const reg = form.register;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={t('rewards.form.label')}>
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      {saved ? <p className="form-ok" role="status">{t('rewards.form.saved')}</p> : null}
      <fieldset disabled={isSubmitting || readOnly} className="form-grid">
        <TextField label={t('rewards.form.name')} error={fieldError(errors.name)} {...reg('name')} />
        <SelectField label={t('rewards.form.kind')} disabled={!!reward} {...reg('kind')}>
          {REWARD_KINDS.map((k) => (
            <option key={k} value={k}>{t(`rewards.kind.${k}`)}</option>
          ))}
        </SelectField>
        <SelectField label={t('rewards.form.status')} {...reg('status')}>
          <option value="active">{t('rewards.status.active')}</option>
          <option value="inactive">{t('rewards.status.inactive')}</option>
          <option value="archived">{t('rewards.status.archived')}</option>
        </SelectField>
        <div className="span-2">
          <TextAreaField label={t('rewards.form.description')} rows={2} error={fieldError(errors.description)} {...reg('description')} />
        </div>
        {kind === 'discount_coupon' ? (
          <>
            <SelectField label={t('rewards.form.discountType')} {...reg('discount_type')}>
              <option value="percent">{t('rewards.form.percentOff')}</option>
              <option value="amount">{t('rewards.form.amountOff')}</option>
            </SelectField>
            {discountType === 'percent' ? (
              <TextField label={t('rewards.form.percent')} inputMode="decimal" error={fieldError(errors.discount_percent)} {...reg('discount_percent')} />
            ) : (
              <TextField label={t('rewards.form.amount', { currency })} inputMode="decimal" error={fieldError(errors.discount_amount)} {...reg('discount_amount')} />
            )}
          </>
        ) : null}
        {kind === 'free_product' ? <TextField label={t('rewards.form.sku')} error={fieldError(errors.sku)} {...reg('sku')} /> : null}
        {kind === 'partner_voucher' ? <TextField label={t('rewards.form.partner')} error={fieldError(errors.partner)} {...reg('partner')} /> : null}
        {kind === 'charity_donation' ? <TextField label={t('rewards.form.cause')} error={fieldError(errors.cause)} {...reg('cause')} /> : null}
        <TextField label={t('rewards.form.pointsCost')} inputMode="numeric" error={fieldError(errors.points_cost)} {...reg('points_cost')} />
        <SelectField label={t('rewards.form.pointsCurrency')} error={fieldError(errors.points_currency)} {...reg('points_currency')}>
          {pointCurrencies.map((c) => (
            <option key={c} value={c}>{c}</option>
          ))}
        </SelectField>
        <TextField label={t('rewards.form.stock')} hint={t('rewards.form.stockHint')} inputMode="numeric" error={fieldError(errors.stock)} {...reg('stock')} />
        <TextField label={t('rewards.form.perMember')} hint={t('rewards.form.perMemberHint')} inputMode="numeric" error={fieldError(errors.per_member_limit)} {...reg('per_member_limit')} />
        <TextField label={t('rewards.form.validFrom')} type="datetime-local" error={fieldError(errors.valid_from)} {...reg('valid_from')} />
        <TextField label={t('rewards.form.validTo')} type="datetime-local" error={fieldError(errors.valid_to)} {...reg('valid_to')} />
        {COUPON_KINDS.includes(kind) ? (
          <>
            <TextField label={t('rewards.form.couponDays')} hint={t('rewards.form.couponDaysHint')} inputMode="numeric" error={fieldError(errors.coupon_valid_days)} {...reg('coupon_valid_days')} />
            <TextField label={t('rewards.form.couponUses')} hint={t('rewards.form.couponUsesHint')} inputMode="numeric" error={fieldError(errors.coupon_max_uses)} {...reg('coupon_max_uses')} />
            <TextField label={t('rewards.form.minOrder', { currency })} inputMode="decimal" error={fieldError(errors.coupon_min_order)} {...reg('coupon_min_order')} />
          </>
        ) : null}
        <fieldset className="span-2 checks">
          <legend>{t('rewards.form.tiers')}</legend>
          {levels.data?.data.length ? (
            levels.data.data.map((l) => (
              <label key={l.id}>
                <input type="checkbox" value={l.id} {...reg('tier_level_ids')} /> {l.name}
              </label>
            ))
          ) : (
            <p className="field-hint">{t('rewards.form.noTiers')}</p>
          )}
          <p className="field-hint">{t('rewards.form.tiersHint')}</p>
        </fieldset>
        <div className="span-2">
          <TextAreaField label={t('rewards.form.images')} hint={t('rewards.form.imagesHint')} rows={2} error={fieldError(errors.images)} {...reg('images')} />
        </div>
        <div className="span-2">
          <TextAreaField label={t('rewards.form.metadata')} hint={t('rewards.form.metadataHint')} rows={3} className="mono" error={fieldError(errors.metadata)} {...reg('metadata')} />
        </div>
        {readOnly ? null : (
          <div className="form-actions span-2">
            <Button variant="primary" type="submit">
              {isSubmitting ? t('rewards.saving') : reward ? t('rewards.form.save') : t('rewards.form.create')}
            </Button>
          </div>
        )}
      </fieldset>
    </form>
  );
}
