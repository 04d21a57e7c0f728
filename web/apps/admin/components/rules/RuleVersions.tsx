import { useState } from 'react';
import type { Rule } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, Card } from '../../../../packages/ui';
import { draftOf, type RuleDraft } from '../../lib/ruleDraft';

/** Every version of the rule, newest first; one can be shown as JSON or taken into the editor (saving makes it the next version). */
export function RuleVersions({ rule, canRestore, onRestore }: { rule: Rule; canRestore: boolean; onRestore: (d: RuleDraft) => void }) {
  const { t, fmt } = useI18n();
  const [open, setOpen] = useState<number | null>(null);
  const versions = [...(rule.versions ?? [])].reverse();
  return (
    <Card title={t('rules.versions.title')}>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('rules.versions.version')}</th>
              <th scope="col">{t('rules.versions.created')}</th>
              <th scope="col">{t('rules.versions.name')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('rules.versions.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <td>
                  {t('rules.versionN', { version: v.version })} {v.version === rule.version ? <Badge tone="info">{t('rules.versions.current')}</Badge> : null}
                </td>
                <td>{fmt.dateTime(v.created_at)}</td>
                <td>
                  {v.name}
                  {open === v.version ? <pre className="json-view">{JSON.stringify(draftOf(v), null, 2)}</pre> : null}
                </td>
                <td className="num">
                  <Button variant="ghost" aria-expanded={open === v.version} onClick={() => setOpen(open === v.version ? null : v.version)}>
                    {open === v.version ? t('rules.versions.hide') : t('rules.versions.show')}
                  </Button>
                  {canRestore && v.version !== rule.version ? <Button variant="ghost" onClick={() => onRestore(draftOf(v))}>{t('rules.versions.restore')}</Button> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
