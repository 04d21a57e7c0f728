import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { grantTier, tierLevelsQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, EmptyState, Loading, SelectField, TextAreaField, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { GrantTierForm } from '../../lib/schemas';
import { useFieldError } from '../../lib/useFieldError';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Grants a tier level by hand until a day (the level holds whatever the metric says), with a reason. */
export function GrantTierDialog({ memberId, open, onClose }: { memberId: string; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const levels = useQuery({ ...tierLevelsQuery(), enabled: open });
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<GrantTierForm>({ resolver: zodResolver(GrantTierForm), defaultValues: { level_id: '', until: inDays(365), reason: '' } });
  const close = () => {
    form.reset();
    setFormError(null);
    onClose();
  };
  const submit = form.handleSubmit(async ({ level_id, until, reason }) => {
    setFormError(null);
    try {
      await grantTier(client, memberId, { level_id, until: `${until}T23:59:59Z`, reason });
      close();
    } catch (err) {
      if (!applyFieldError(t, err, ['level_id', 'until', 'reason'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} title={t('member.grant.title')} onClose={close} closeLabel={t('common.close')}>
      {levels.isPending ? (
        <Loading label={t('common.loading')} />
      ) : levels.isError || levels.data.data.length === 0 ? (
        <EmptyState title={t('member.grant.noLevels')} />
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          {formError ? <p className="form-error" role="alert">{formError}</p> : null}
          <fieldset disabled={isSubmitting}>
            <SelectField label={t('member.grant.level')} error={fieldError(errors.level_id)} {...form.register('level_id')}>
              <option value="">{t('member.grant.choose')}</option>
              {levels.data.data.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </SelectField>
            <TextField label={t('member.grant.until')} type="date" error={fieldError(errors.until)} {...form.register('until')} />
            <TextAreaField label={t('member.grant.reason')} hint={t('adjust.reasonHint')} error={fieldError(errors.reason)} {...form.register('reason')} />
            <div className="form-actions">
              <Button onClick={close}>{t('common.cancel')}</Button>
              <Button variant="primary" type="submit">
                {isSubmitting ? t('common.saving') : t('member.grant.submit')}
              </Button>
            </div>
          </fieldset>
        </form>
      )}
    </Dialog>
  );
}
