import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { createTierLevel, updateTierLevel, type TierLevel } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, TextField } from '../../../../packages/ui';
import { bpToMultiplier, fromMinor, LevelForm, MONEY, multiplierToBp, toMinor } from '../../lib/catalogForms';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';
import { useProgramInfo } from '../../lib/useProgramInfo';
import type { Metric } from './metric';

/** Adds a level or edits one: its name, threshold (money for a spend scheme) and earning multiplier. */
export function LevelDialog({ level, metric, open, onClose }: { level: TierLevel | null; metric: Metric | undefined; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const { currency, digits } = useProgramInfo();
  const money = metric === 'spend';
  const [formError, setFormError] = useState<string | null>(null);
  const bp = typeof level?.benefits.multiplier_bp === 'number' ? level.benefits.multiplier_bp : null;
  const values: LevelForm = {
    name: level?.name ?? '',
    threshold: level ? (money ? fromMinor(level.threshold, digits) : String(level.threshold)) : '',
    multiplier: bp === null ? '' : bpToMultiplier(bp),
  };
  const form = useForm<LevelForm>({ resolver: zodResolver(LevelForm), values });
  const close = () => {
    setFormError(null);
    form.reset(values);
    onClose();
  };
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    if (money ? !MONEY.test(v.threshold) : !/^\d+$/.test(v.threshold)) {
      form.setError('threshold', { type: 'server', message: t(money ? 'rewards.check.amount' : 'validation.wholeNumber') });
      return;
    }
    const threshold = money ? toMinor(v.threshold, digits) : Number(v.threshold);
    const benefits: Record<string, unknown> = { ...(level?.benefits ?? {}) };
    if (v.multiplier) benefits.multiplier_bp = multiplierToBp(v.multiplier);
    else delete benefits.multiplier_bp;
    try {
      if (level) await updateTierLevel(client, level.id, { name: v.name, threshold, benefits });
      else await createTierLevel(client, { name: v.name, threshold, benefits });
      close();
    } catch (err) {
      if (!applyFieldError(t, err, ['name', 'threshold'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} title={level ? t('tiers.levels.editTitle', { name: level.name }) : t('tiers.levels.add')} onClose={close} closeLabel={t('common.close')}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {formError ? <p className="form-error" role="alert">{formError}</p> : null}
        <fieldset disabled={isSubmitting}>
          <TextField label={t('tiers.levels.name')} error={fieldError(errors.name)} {...form.register('name')} />
          <TextField
            label={money ? t('tiers.levels.thresholdMoney', { currency }) : t('tiers.levels.threshold')}
            hint={t(`tiers.levels.thresholdHint.${metric ?? 'spend'}`)}
            inputMode="decimal"
            error={fieldError(errors.threshold)}
            {...form.register('threshold')}
          />
          <TextField label={t('tiers.levels.multiplier')} hint={t('tiers.levels.multiplierHint')} inputMode="decimal" error={fieldError(errors.multiplier)} {...form.register('multiplier')} />
          <div className="form-actions">
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button variant="primary" type="submit">
              {isSubmitting ? t('tiers.saving') : t('tiers.levels.save')}
            </Button>
          </div>
        </fieldset>
      </form>
    </Dialog>
  );
}
