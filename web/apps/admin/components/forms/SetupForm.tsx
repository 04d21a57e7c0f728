import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { completeSetup, type SessionAnswer } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { PASSWORD_MIN, SetupForm as Schema } from '../../lib/schemas';
import { useFieldError } from '../../lib/useFieldError';

export function SetupForm({ token, onDone }: { token: string; onDone: (a: SessionAnswer) => void }) {
  const { t } = useI18n();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<Schema>({ resolver: zodResolver(Schema), defaultValues: { name: '', password: '', confirm: '' } });
  const submit = form.handleSubmit(async ({ name, password }) => {
    setFormError(null);
    try {
      onDone(await completeSetup({ token, password, ...(name ? { name } : {}) }));
    } catch (err) {
      // A bad token names the field `token`, which this form does not show: it goes above the form.
      if (!applyFieldError(t, err, ['name', 'password'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      <fieldset disabled={isSubmitting}>
        <TextField label={t('setup.name')} autoComplete="name" error={fieldError(errors.name)} {...form.register('name')} />
        <TextField
          label={t('setup.password')}
          type="password"
          autoComplete="new-password"
          hint={t('setup.passwordHint', { min: PASSWORD_MIN })}
          error={fieldError(errors.password) && t('validation.passwordShort', { min: PASSWORD_MIN })}
          {...form.register('password')}
        />
        <TextField label={t('setup.confirm')} type="password" autoComplete="new-password" error={fieldError(errors.confirm)} {...form.register('confirm')} />
        <Button variant="primary" type="submit">
          {isSubmitting ? t('setup.submitting') : t('setup.submit')}
        </Button>
      </fieldset>
    </form>
  );
}
