import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { deleteTierLevel, tierLevelsQuery, tierSchemeQuery, type TierLevel } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, Dialog, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { bpToMultiplier } from '../../lib/catalogForms';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { useProgramInfo } from '../../lib/useProgramInfo';
import { LevelDialog } from './LevelDialog';
import { metricValue } from './metric';

/** The levels, lowest first: add, edit and remove (a level somebody holds cannot go). */
export function LevelsCard() {
  const { t, fmt } = useI18n();
  const can = useCan();
  const client = useQueryClient();
  const { currency } = useProgramInfo();
  const levels = useQuery(tierLevelsQuery());
  const metric = useQuery(tierSchemeQuery()).data?.metric;
  const [editing, setEditing] = useState<TierLevel | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<TierLevel | null>(null);
  const canAdd = can('POST /v1/tiers/levels');
  const canEdit = can('PATCH /v1/tiers/levels/:level_id');
  const canListMembers = can('GET /v1/members');
  const canDelete = can('DELETE /v1/tiers/levels/:level_id');
  const remove = async (l: TierLevel) => {
    setError(null);
    setDeleting(null);
    try {
      await deleteTierLevel(client, l.id);
    } catch (err) {
      setError(errorMessage(t, err));
    }
  };
  return (
    <Card title={t('tiers.levels.title')} actions={canAdd ? <Button onClick={() => setEditing('new')}>{t('tiers.levels.add')}</Button> : null}>
      {error ? <p className="form-error" role="alert">{error}</p> : null}
      {levels.isPending ? (
        <Loading label={t('common.loading')} />
      ) : levels.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, levels.error)} retryLabel={t('common.retry')} onRetry={() => void levels.refetch()} />
      ) : levels.data.data.length === 0 ? (
        <EmptyState title={t('tiers.levels.none')} />
      ) : (
        <div className="table-wrap">
          <table aria-label={t('tiers.levels.title')}>
            <thead>
              <tr>
                <th scope="col" className="num">{t('tiers.col.rank')}</th>
                <th scope="col">{t('tiers.col.level')}</th>
                <th scope="col" className="num">{t('tiers.col.threshold')}</th>
                <th scope="col">{t('tiers.col.multiplier')}</th>
                <th scope="col" className="num">{t('tiers.col.members')}</th>
                {canEdit || canDelete ? <th scope="col"><span className="visually-hidden">{t('tiers.col.actions')}</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {levels.data.data.map((l) => (
                <tr key={l.id}>
                  <td className="num">{l.rank}</td>
                  <th scope="row">{l.name}</th>
                  <td className="num">{metricValue(t, fmt, metric, l.threshold, currency)}</td>
                  <td>{typeof l.benefits.multiplier_bp === 'number' ? t('tiers.levels.times', { value: bpToMultiplier(l.benefits.multiplier_bp) }) : '—'}</td>
                  <td className="num">
                    {(l.members ?? 0) > 0 && canListMembers ? (
                      <Link to={`/members?tier=${encodeURIComponent(l.id)}`} aria-label={t('tiers.levels.membersOf', { name: l.name, count: l.members ?? 0 })}>
                        {fmt.number(l.members ?? 0)}
                      </Link>
                    ) : (
                      fmt.number(l.members ?? 0)
                    )}
                  </td>
                  {canEdit || canDelete ? (
                    <td className="actions">
                      {canEdit ? <Button variant="ghost" aria-label={t('tiers.levels.editOne', { name: l.name })} onClick={() => setEditing(l)}>{t('tiers.levels.edit')}</Button> : null}
                      {canDelete ? <Button variant="ghost" aria-label={t('tiers.levels.deleteOne', { name: l.name })} onClick={() => setDeleting(l)}>{t('tiers.levels.delete')}</Button> : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canDelete ? (
        <Dialog open={deleting !== null} title={t('tiers.levels.deleteTitle', { name: deleting?.name ?? '' })} onClose={() => setDeleting(null)} closeLabel={t('common.close')}>
          <p>{t('tiers.levels.deleteWarning')}</p>
          <div className="form-actions">
            <Button onClick={() => setDeleting(null)}>{t('common.cancel')}</Button>
            <Button variant="danger" onClick={() => deleting && void remove(deleting)}>{t('tiers.levels.delete')}</Button>
          </div>
        </Dialog>
      ) : null}
      {canAdd || canEdit ? <LevelDialog level={editing === 'new' ? null : editing} metric={metric} open={editing !== null} onClose={() => setEditing(null)} /> : null}
    </Card>
  );
}
