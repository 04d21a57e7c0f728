import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { createKey, currentProgram } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, SelectField, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { KeyForm } from '../../lib/schemas';
import { useFieldError } from '../../lib/useFieldError';

/** Creates an API key for the chosen program; its secret is shown once, here. */
export function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [secret, setSecret] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<KeyForm>({ resolver: zodResolver(KeyForm), defaultValues: { name: '', scope: 'server' } });
  const close = () => {
    form.reset();
    setSecret(null);
    setFormError(null);
    onClose();
  };
  const submit = form.handleSubmit(async ({ name, scope }) => {
    setFormError(null);
    try {
      const key = await createKey(client, { name, scopes: [scope], program_id: currentProgram() });
      setSecret(key.secret);
    } catch (err) {
      if (!applyFieldError(t, err, ['name'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} title={t('keys.createTitle')} onClose={close} closeLabel={t('common.close')}>
      {secret ? (
        <div className="stack">
          <p>{t('keys.secretOnce')}</p>
          <p className="secret" aria-label={t('keys.secret')}>{secret}</p>
          <div className="form-actions">
            <Button variant="primary" onClick={close}>{t('keys.done')}</Button>
          </div>
        </div>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          {formError ? <p className="form-error" role="alert">{formError}</p> : null}
          <fieldset disabled={isSubmitting}>
            <TextField label={t('keys.name')} error={fieldError(errors.name)} {...form.register('name')} />
            <SelectField label={t('keys.scope')} {...form.register('scope')}>
              <option value="server">{t('keys.scopes.server')}</option>
              <option value="read">{t('keys.scopes.read')}</option>
              <option value="admin">{t('keys.scopes.admin')}</option>
            </SelectField>
            <div className="form-actions">
              <Button onClick={close}>{t('common.cancel')}</Button>
              <Button variant="primary" type="submit">{t('keys.create')}</Button>
            </div>
          </fieldset>
        </form>
      )}
    </Dialog>
  );
}
