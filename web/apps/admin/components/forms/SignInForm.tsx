import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { signIn, type SessionAnswer } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { SignInForm as Schema } from '../../lib/schemas';
import { useFieldError } from '../../lib/useFieldError';

export function SignInForm({ onSignedIn }: { onSignedIn: (a: SessionAnswer) => void }) {
  const { t } = useI18n();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<Schema>({ resolver: zodResolver(Schema), defaultValues: { email: '', password: '' } });
  const submit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      onSignedIn(await signIn(values));
    } catch (err) {
      if (!applyFieldError(t, err, ['email', 'password'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      <fieldset disabled={isSubmitting}>
        <TextField label={t('signIn.email')} type="email" autoComplete="username" error={fieldError(errors.email)} {...form.register('email')} />
        <TextField label={t('signIn.password')} type="password" autoComplete="current-password" error={fieldError(errors.password)} {...form.register('password')} />
        <Button variant="primary" type="submit">
          {isSubmitting ? t('signIn.submitting') : t('signIn.submit')}
        </Button>
      </fieldset>
    </form>
  );
}
