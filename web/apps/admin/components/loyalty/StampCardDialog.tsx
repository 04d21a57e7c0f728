import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { putStampCard, rewardListQuery, type StampCard } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, SelectField, TextField } from '../../../../packages/ui';
import { StampCardForm } from '../../lib/catalogForms';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';

/** Sets a stamp card: its point currency, the goal and the reward each completed card gives. */
export function StampCardDialog({ card, currencies, open, onClose }: { card: StampCard | null; currencies: string[]; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const rewards = useQuery({ ...rewardListQuery({ limit: 200, status: 'active' }), enabled: open });
  const [formError, setFormError] = useState<string | null>(null);
  const values: StampCardForm = { currency: card?.currency ?? currencies[0] ?? '', goal: card ? String(card.goal) : '10', reward_id: card?.reward_id ?? '', status: card?.status === 'inactive' ? 'inactive' : 'active' };
  const form = useForm<StampCardForm>({ resolver: zodResolver(StampCardForm), values });
  const close = () => {
    setFormError(null);
    form.reset(values);
    onClose();
  };
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    try {
      await putStampCard(client, v.currency, { goal: Number(v.goal), reward_id: v.reward_id, status: v.status });
      close();
    } catch (err) {
      if (!applyFieldError(t, err, ['currency', 'goal', 'reward_id', 'status'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} title={card ? t('loyalty.stamps.editTitle', { currency: card.currency }) : t('loyalty.stamps.add')} onClose={close} closeLabel={t('common.close')}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {formError ? <p className="form-error" role="alert">{formError}</p> : null}
        <fieldset disabled={isSubmitting}>
          <SelectField label={t('loyalty.stamps.currency')} hint={t('loyalty.stamps.currencyHint')} disabled={!!card} error={fieldError(errors.currency)} {...form.register('currency')}>
            {(card ? [card.currency] : currencies).map((c) => (
              <option key={c} value={c}>{c}</option>
            ))}
          </SelectField>
          <TextField label={t('loyalty.stamps.goal')} inputMode="numeric" error={fieldError(errors.goal)} {...form.register('goal')} />
          <SelectField label={t('loyalty.stamps.reward')} error={fieldError(errors.reward_id)} {...form.register('reward_id')}>
            <option value="">{t('loyalty.stamps.chooseReward')}</option>
            {(rewards.data?.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>{r.name}</option>
            ))}
          </SelectField>
          <SelectField label={t('loyalty.stamps.status')} {...form.register('status')}>
            <option value="active">{t('loyalty.stamps.active')}</option>
            <option value="inactive">{t('loyalty.stamps.inactive')}</option>
          </SelectField>
          <div className="form-actions">
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button variant="primary" type="submit">
              {isSubmitting ? t('loyalty.saving') : t('loyalty.stamps.save')}
            </Button>
          </div>
        </fieldset>
      </form>
    </Dialog>
  );
}
