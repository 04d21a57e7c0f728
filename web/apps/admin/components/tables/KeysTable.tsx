import { useQueryClient } from '@tanstack/react-query';
import { revokeKey, type ApiKey } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button } from '../../../../packages/ui';

export function KeysTable({ keys, onError }: { keys: ApiKey[]; onError: (err: unknown) => void }) {
  const { t, fmt } = useI18n();
  const client = useQueryClient();
  const revoke = async (key: ApiKey) => {
    if (!window.confirm(t('keys.confirmRevoke', { name: key.name }))) return;
    await revokeKey(client, key.id).catch(onError);
  };
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('keys.col.name')}</th>
            <th scope="col">{t('keys.col.scopes')}</th>
            <th scope="col">{t('keys.col.created')}</th>
            <th scope="col">{t('keys.col.lastUsed')}</th>
            <th scope="col">{t('keys.col.status')}</th>
            <th scope="col"><span className="visually-hidden">{t('keys.col.actions')}</span></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.scopes.map((s) => <Badge key={s}>{t(`keys.scopes.${s}`)}</Badge>)}</td>
              <td>{fmt.date(k.created_at)}</td>
              <td>{k.last_used_at ? fmt.dateTime(k.last_used_at) : t('keys.never')}</td>
              <td>{k.revoked_at ? <Badge tone="bad">{t('keys.revoked')}</Badge> : <Badge tone="good">{t('keys.active')}</Badge>}</td>
              <td>
                {k.revoked_at ? null : (
                  <Button variant="danger" aria-label={t('keys.revokeNamed', { name: k.name })} onClick={() => void revoke(k)}>
                    {t('keys.revoke')}
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
