import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, updateProgram, type Program } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, SelectField, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';
import { changeOf, formOf, SERVER_FIELDS, SettingsForm } from './settingsForm';

/** Every setting of the program's contract as one form; the server's field errors show beside their field. */
export function SettingsFormCard({ program, canEdit }: { program: Program; canEdit: boolean }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const form = useForm<SettingsForm>({ resolver: zodResolver(SettingsForm), values: formOf(program) });
  const policy = form.watch('expiryPolicy');
  const submit = form.handleSubmit(async (values) => {
    setFormError(null);
    setSaved(false);
    const body = changeOf(values, program.currency);
    if (!body) {
      form.setError('perAmount', { type: 'validate', message: 'settings.validation.amount' }, { shouldFocus: true });
      return;
    }
    try {
      await updateProgram(client, program.id, body);
      setSaved(true);
    } catch (err) {
      const field = err instanceof ApiError && err.field ? SERVER_FIELDS[err.field.replace(/^body\./, '')] : undefined;
      if (field) form.setError(field, { type: 'server', message: errorMessage(t, err) }, { shouldFocus: true });
      else setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  const reg = form.register;
  return (
    <Card title={t('settings.program')}>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label={t('settings.program')}>
        {formError ? <p className="form-error" role="alert">{formError}</p> : null}
        {saved ? <p className="form-ok" role="status">{t('settings.saved')}</p> : null}
        <fieldset disabled={!canEdit || isSubmitting}>
          <div className="settings-grid">
            <TextField label={t('settings.name')} error={fieldError(errors.name)} {...reg('name')} />
            <TextField label={t('settings.currency')} hint={t('settings.currencyHint')} value={program.currency} readOnly />
            <SelectField label={t('settings.status')} error={fieldError(errors.status)} {...reg('status')}>
              <option value="active">{t('settings.statuses.active')}</option>
              <option value="paused">{t('settings.statuses.paused')}</option>
            </SelectField>
          </div>
          <h3 className="form-section">{t('settings.earning')}</h3>
          <div className="settings-grid">
            <TextField label={t('settings.points')} inputMode="numeric" error={fieldError(errors.points)} {...reg('points')} />
            <TextField label={t('settings.perAmount', { currency: program.currency })} inputMode="decimal" hint={t('settings.perAmountHint')} error={fieldError(errors.perAmount)} {...reg('perAmount')} />
            <SelectField label={t('settings.rounding')} error={fieldError(errors.rounding)} {...reg('rounding')}>
              <option value="floor">{t('settings.roundings.floor')}</option>
              <option value="round">{t('settings.roundings.round')}</option>
              <option value="ceil">{t('settings.roundings.ceil')}</option>
            </SelectField>
            <TextField label={t('settings.pendingDays')} inputMode="numeric" hint={t('settings.pendingDaysHint')} error={fieldError(errors.pendingDays)} {...reg('pendingDays')} />
          </div>
          <h3 className="form-section">{t('settings.balances')}</h3>
          <div className="settings-grid">
            <SelectField label={t('settings.expiry')} error={fieldError(errors.expiryPolicy)} {...reg('expiryPolicy')}>
              <option value="never">{t('settings.expiries.never')}</option>
              <option value="rolling">{t('settings.expiries.rolling')}</option>
              <option value="end_of_period">{t('settings.expiries.end_of_period')}</option>
            </SelectField>
            {policy === 'rolling' ? <TextField label={t('settings.expiryDays')} inputMode="numeric" error={fieldError(errors.expiryDays)} {...reg('expiryDays')} /> : null}
            {policy === 'end_of_period' ? <TextField label={t('settings.expiryMonths')} inputMode="numeric" error={fieldError(errors.expiryMonths)} {...reg('expiryMonths')} /> : null}
            <SelectField label={t('settings.negativeBalance')} hint={t('settings.negativeBalanceHint')} error={fieldError(errors.negativeBalance)} {...reg('negativeBalance')}>
              <option value="allow">{t('settings.negatives.allow')}</option>
              <option value="forbid">{t('settings.negatives.forbid')}</option>
            </SelectField>
            <TextField label={t('settings.holdSeconds')} inputMode="numeric" hint={t('settings.holdSecondsHint')} error={fieldError(errors.holdSeconds)} {...reg('holdSeconds')} />
          </div>
          <div className="field">
            <label className="check">
              <input type="checkbox" {...reg('autoEnrol')} />
              <span>{t('settings.autoEnrol')}</span>
            </label>
            <p className="field-hint">{t('settings.autoEnrolHint')}</p>
            {errors.autoEnrol ? <p className="field-error" role="alert">{fieldError(errors.autoEnrol)}</p> : null}
          </div>
          {canEdit ? (
            <div className="form-actions">
              <Button onClick={() => form.reset(formOf(program))}>{t('settings.reset')}</Button>
              <Button variant="primary" type="submit">
                {isSubmitting ? t('settings.saving') : t('settings.save')}
              </Button>
            </div>
          ) : null}
        </fieldset>
      </form>
    </Card>
  );
}
