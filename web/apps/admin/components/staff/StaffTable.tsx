import { useQuery, useQueryClient } from '@tanstack/react-query';
import { changeStaff, programsQuery, type StaffUser } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button } from '../../../../packages/ui';

export interface StaffActions {
  edit: (s: StaffUser) => void;
  reset: (s: StaffUser) => void;
  onError: (err: unknown) => void;
}

/** Staff users with their access; an owner's row can be changed only by an owner (the server says the same). */
export function StaffTable({ staff, viewer, canWrite, actions }: { staff: StaffUser[]; viewer: { id: string; role: string }; canWrite: boolean; actions: StaffActions }) {
  const { t, fmt } = useI18n();
  const client = useQueryClient();
  const programs = useQuery(programsQuery());
  const programName = (id: string) => programs.data?.data.find((p) => p.id === id)?.name ?? id;
  const toggle = async (s: StaffUser) => {
    if (!s.disabled && !window.confirm(t('staff.confirmDisable', { email: s.email }))) return;
    await changeStaff(client, s.id, { disabled: !s.disabled }).catch(actions.onError);
  };
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('staff.col.name')}</th>
            <th scope="col">{t('staff.col.email')}</th>
            <th scope="col">{t('staff.col.role')}</th>
            <th scope="col">{t('staff.col.programs')}</th>
            <th scope="col">{t('staff.col.lastSignIn')}</th>
            <th scope="col">{t('staff.col.status')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('staff.col.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => {
            const mayChange = canWrite && (s.role !== 'owner' || viewer.role === 'owner');
            return (
              <tr key={s.id}>
                <td>{s.name || '—'}</td>
                <td>{s.email}</td>
                <td>
                  <Badge tone={s.role === 'owner' || s.role === 'admin' ? 'info' : 'neutral'}>{t(`roles.${s.role}`)}</Badge>
                </td>
                <td>{s.program_ids ? s.program_ids.map(programName).join(', ') : t('staff.allPrograms')}</td>
                <td>{s.last_sign_in_at ? fmt.dateTime(s.last_sign_in_at) : t('staff.never')}</td>
                <td>{s.disabled ? <Badge tone="bad">{t('staff.disabled')}</Badge> : <Badge tone="good">{t('staff.enabled')}</Badge>}</td>
                <td>
                  {mayChange ? (
                    <div className="actions-cell">
                      <Button aria-label={t('staff.editNamed', { email: s.email })} onClick={() => actions.edit(s)}>
                        {t('staff.edit')}
                      </Button>
                      <Button aria-label={t('staff.resetNamed', { email: s.email })} onClick={() => actions.reset(s)}>
                        {t('staff.reset')}
                      </Button>
                      {s.id === viewer.id ? null : (
                        <Button
                          variant={s.disabled ? 'secondary' : 'danger'}
                          aria-label={t(s.disabled ? 'staff.enableNamed' : 'staff.disableNamed', { email: s.email })}
                          onClick={() => void toggle(s)}
                        >
                          {s.disabled ? t('staff.enable') : t('staff.disable')}
                        </Button>
                      )}
                    </div>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
