import { useI18n } from '../../../../packages/i18n';
import { Card } from '../../../../packages/ui';
import { ROLES } from './staffForm';

/** What each role may do, as the server's role table decides it. */
export function RoleLegend() {
  const { t } = useI18n();
  return (
    <Card title={t('staff.legend')}>
      <dl className="role-legend">
        {ROLES.map((r) => (
          <div key={r} style={{ display: 'contents' }}>
            <dt>{t(`roles.${r}`)}</dt>
            <dd>{t(`staff.may.${r}`)}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
