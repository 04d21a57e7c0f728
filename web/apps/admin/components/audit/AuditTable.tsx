import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { programsQuery, type AuditEntry } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button } from '../../../../packages/ui';
import { auditDiff } from './diff';

function Diff({ entry }: { entry: AuditEntry }) {
  const { t } = useI18n();
  const rows = auditDiff(entry.before, entry.after);
  if (rows.length === 0) return <p className="muted">{t('audit.noChange')}</p>;
  return (
    <table className="diff">
      <thead>
        <tr>
          <th scope="col">{t('audit.field')}</th>
          <th scope="col">{t('audit.before')}</th>
          <th scope="col">{t('audit.after')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path}>
            <th scope="row">
              <code>{r.path}</code>
            </th>
            <td className={r.before === undefined ? undefined : 'diff-before'}>{r.before === undefined ? '—' : <code>{r.before}</code>}</td>
            <td className={r.after === undefined ? undefined : 'diff-after'}>{r.after === undefined ? '—' : <code>{r.after}</code>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const targetLink = (type: string, id: string) =>
  type === 'member' ? `/members/${id}` : type === 'segment' ? `/segments/${id}` : undefined;

/** Entries newest first; each opens, below itself, to show what it changed, field by field. */
export function AuditTable({ entries, showProgram }: { entries: AuditEntry[]; showProgram: boolean }) {
  const { t, fmt } = useI18n();
  const programs = useQuery({ ...programsQuery(), enabled: showProgram });
  const programName = (id: string | null) => (id ? programs.data?.data.find((p) => p.id === id)?.name ?? id : t('audit.workspaceLevel'));
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((o) => {
      const next = new Set(o);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <div className="table-wrap">
      <table className="audit-table">
        <thead>
          <tr>
            <th scope="col">{t('audit.col.at')}</th>
            <th scope="col">{t('audit.col.actor')}</th>
            <th scope="col">{t('audit.col.action')}</th>
            <th scope="col">{t('audit.col.target')}</th>
            {showProgram ? <th scope="col">{t('audit.col.program')}</th> : null}
            <th scope="col">
              <span className="visually-hidden">{t('audit.col.changes')}</span>
            </th>
          </tr>
        </thead>
        {entries.map((e) => {
          const href = e.target.id ? targetLink(e.target.type, e.target.id) : undefined;
          const shown = open.has(e.id);
          return (
            <tbody key={e.id}>
              <tr>
                <td>{fmt.dateTime(e.at)}</td>
                <td>
                  {e.actor.label} <Badge>{t(`audit.actors.${e.actor.kind}`)}</Badge>
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.target.type}
                  {e.target.id ? (
                    <>
                      {' · '}
                      {href ? <Link to={href}>{e.target.id}</Link> : <span>{e.target.id}</span>}
                    </>
                  ) : null}
                </td>
                {showProgram ? <td>{programName(e.program_id)}</td> : null}
                <td className="num">
                  <Button variant="ghost" aria-expanded={shown} aria-controls={`diff-${e.id}`} onClick={() => toggle(e.id)}>
                    {shown ? t('audit.hideChanges') : t('audit.showChanges')}
                  </Button>
                </td>
              </tr>
              {shown ? (
                <tr className="audit-diff-row" id={`diff-${e.id}`}>
                  <td colSpan={showProgram ? 6 : 5}>
                    <Diff entry={e} />
                  </td>
                </tr>
              ) : null}
            </tbody>
          );
        })}
      </table>
    </div>
  );
}
