import { Link } from 'react-router';
import type { Rule } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';
import { STATUS_TONE } from '../rules/RuleEditor';

const triggerLabel = (t: (k: string, o?: Record<string, unknown>) => string, trigger: string) => t(`rules.triggers.${trigger}`, { defaultValue: trigger });

export function RulesTable({ rules }: { rules: Rule[] }) {
  const { t, fmt } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('rules.col.name')}</th>
            <th scope="col">{t('rules.col.status')}</th>
            <th scope="col" className="num">{t('rules.col.version')}</th>
            <th scope="col">{t('rules.col.trigger')}</th>
            <th scope="col" className="num">{t('rules.col.priority')}</th>
            <th scope="col">{t('rules.col.changed')}</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/rules/${r.id}`}>{r.name}</Link>
              </td>
              <td>
                <Badge tone={STATUS_TONE[r.status]}>{t(`rules.status.${r.status}`)}</Badge>
              </td>
              <td className="num">{fmt.number(r.version)}</td>
              <td>{triggerLabel(t, r.trigger)}</td>
              <td className="num">{fmt.number(r.priority)}</td>
              <td>{fmt.dateTime(r.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
