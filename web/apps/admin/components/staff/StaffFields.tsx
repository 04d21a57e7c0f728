import { useQuery } from '@tanstack/react-query';
import type { UseFormReturn } from 'react-hook-form';
import { programsQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { SelectField } from '../../../../packages/ui';
import { useFieldError } from '../../lib/useFieldError';
import { ROLES, type StaffForm } from './staffForm';

/** Role and program access of a staff user; only an owner may give the owner role. */
export function StaffFields({ form, viewerIsOwner }: { form: UseFormReturn<StaffForm>; viewerIsOwner: boolean }) {
  const { t } = useI18n();
  const fieldError = useFieldError();
  const programs = useQuery(programsQuery());
  const role = form.watch('role');
  const scope = form.watch('scope');
  const { errors } = form.formState;
  return (
    <>
      <SelectField label={t('staff.role')} error={fieldError(errors.role)} {...form.register('role')}>
        {ROLES.filter((r) => r !== 'owner' || viewerIsOwner || role === 'owner').map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </SelectField>
      {role === 'owner' ? (
        <p className="field-hint">{t('staff.ownerAllPrograms')}</p>
      ) : (
        <fieldset className="check-list">
          <legend>{t('staff.programs')}</legend>
          <label className="check">
            <input type="radio" value="all" {...form.register('scope')} />
            <span>{t('staff.allPrograms')}</span>
          </label>
          <label className="check">
            <input type="radio" value="chosen" {...form.register('scope')} />
            <span>{t('staff.chosenPrograms')}</span>
          </label>
          {scope === 'chosen'
            ? (programs.data?.data ?? []).map((p) => (
                <label className="check" key={p.id} style={{ marginLeft: '1.6rem' }}>
                  <input type="checkbox" value={p.id} {...form.register('programIds')} />
                  <span>{p.name}</span>
                </label>
              ))
            : null}
          {errors.programIds ? <p className="field-error" role="alert">{fieldError(errors.programIds as never)}</p> : null}
        </fieldset>
      )}
    </>
  );
}
