import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { changeStaff, type StaffUser } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, TextField } from '../../../../packages/ui';
import { applyFieldError, errorMessage } from '../../lib/errors';
import { useFieldError } from '../../lib/useFieldError';
import { StaffFields } from './StaffFields';
import { programIdsOf, StaffForm } from './staffForm';

const formOf = (s: StaffUser): StaffForm => ({ email: s.email, name: s.name, role: s.role, scope: s.program_ids ? 'chosen' : 'all', programIds: s.program_ids ?? [] });

/** Changes a staff user's name, role and programs; the server's refusal (the last owner) shows in words. */
export function EditStaffDialog({ staff, onClose, viewerIsOwner }: { staff: StaffUser; onClose: () => void; viewerIsOwner: boolean }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<StaffForm>({ resolver: zodResolver(StaffForm), defaultValues: formOf(staff) });
  const submit = form.handleSubmit(async (v) => {
    setFormError(null);
    try {
      await changeStaff(client, staff.id, { name: v.name, role: v.role, program_ids: programIdsOf(v) });
      onClose();
    } catch (err) {
      if (!applyFieldError(t, err, ['name'], form.setError)) setFormError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open title={t('staff.editTitle', { email: staff.email })} onClose={onClose} closeLabel={t('common.close')}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {formError ? <p className="form-error" role="alert">{formError}</p> : null}
        <fieldset disabled={isSubmitting}>
          <TextField label={t('staff.name')} error={fieldError(errors.name)} {...form.register('name')} />
          <StaffFields form={form} viewerIsOwner={viewerIsOwner} />
          <div className="form-actions">
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button variant="primary" type="submit">
              {t('staff.saveChanges')}
            </Button>
          </div>
        </fieldset>
      </form>
    </Dialog>
  );
}
