import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { inviteStaff } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';
import { LinkOnce } from './LinkOnce';
import { StaffFields } from './StaffFields';
import { programIdsOf, StaffForm } from './staffForm';

const EMPTY: StaffForm = { email: '', name: '', role: 'marketer', scope: 'all', programIds: [] };

/** Invites a staff user and shows the one-time link to pass on. */
export function InviteStaffDialog({ open, onClose, viewerIsOwner }: { open: boolean; onClose: () => void; viewerIsOwner: boolean }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [link, setLink] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<StaffForm>({ resolver: zodResolver(StaffForm), defaultValues: EMPTY });
  const close = () => {
    form.reset(EMPTY);
    setLink(null);
    setFormError(null);
    onClose();
  };
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    try {
      const made = await inviteStaff(client, { email: v.email, ...(v.name ? { name: v.name } : {}), role: v.role, program_ids: programIdsOf(v) });
      setLink(made.setup_url);
    } catch (err) {
      if (!applyFieldError(t, err, ['email', 'name', 'role'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} title={t('staff.inviteTitle')} onClose={close} closeLabel={t('common.close')}>
      {link ? (
        <div className="stack">
          <LinkOnce url={link} intro={t('staff.inviteLinkOnce')} />
          <div className="form-actions">
            <Button variant="primary" onClick={close}>
              {t('staff.done')}
            </Button>
          </div>
        </div>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          {formError ? <p className="form-error" role="alert">{formError}</p> : null}
          <fieldset disabled={isSubmitting}>
            <TextField label={t('staff.email')} type="email" autoComplete="off" error={fieldError(errors.email)} {...form.register('email')} />
            <TextField label={t('staff.nameOptional')} error={fieldError(errors.name)} {...form.register('name')} />
            <StaffFields form={form} viewerIsOwner={viewerIsOwner} />
            <div className="form-actions">
              <Button onClick={close}>{t('common.cancel')}</Button>
              <Button variant="primary" type="submit">
                {t('staff.sendInvite')}
              </Button>
            </div>
          </fieldset>
        </form>
      )}
    </Dialog>
  );
}
