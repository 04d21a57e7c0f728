import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, startImport, type Import, type ImportKind } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, ErrorState } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

interface Values {
  kind: ImportKind;
  rules: boolean;
  /** The field each column goes to, by the column's index ('' = not imported). */
  fields: string[];
}

/** The column → field choice for a kind, from the suggestion (field → column). */
function prefill(i: Import, kind: ImportKind): string[] {
  const byColumn = new Map(Object.entries(i.mapping && i.kind === kind ? i.mapping : i.suggested[kind].mapping).map(([f, c]) => [c, f]));
  return i.columns.map((c) => byColumn.get(c) ?? '');
}


/** Columns of the file, a sample of each, and the Patron field each one fills; then start. */
export function MappingForm({ item }: { item: Import }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [failure, setFailure] = useState<unknown>(null);
  const form = useForm<Values>({ defaultValues: { kind: item.kind, rules: item.options?.rules !== false, fields: prefill(item, item.kind) } });
  const kind = form.watch('kind');
  const chosen = form.watch('fields');
  const fields = item.fields[kind];
  // A suggested field under a prefix (properties.country) is offered as it is, beside the prefix's own choice.
  const suggested = prefill(item, kind);
  const required = fields.filter((f) => f.required).map((f) => f.name);
  const missing = required.filter((f) => !chosen.includes(f));
  const twice = new Set(chosen.filter((f, n) => f && chosen.indexOf(f) !== n));
  const serverField = failure instanceof ApiError && failure.field?.startsWith('mapping.') ? failure.field.slice('mapping.'.length) : null;

  const submit = form.handleSubmit(async (v) => {
    setFailure(null);
    const mapping = Object.fromEntries(v.fields.flatMap((f, n) => (f ? [[f.endsWith('.') ? `${f}${item.columns[n]}` : f, item.columns[n]!]] : [])));
    try {
      await startImport(client, item.id, { kind: v.kind, mapping, rules: v.rules, preset: item.suggested[v.kind].preset });
    } catch (e) {
      setFailure(e);
    }
  });

  return (
    <Card title={t('imports.mapping.title', { name: item.name })}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset disabled={form.formState.isSubmitting} className="plain-fieldset">
          <div className="row">
            <div className="field">
              <label htmlFor="import-kind">{t('imports.kind.label')}</label>
              <select id="import-kind" {...form.register('kind', { onChange: (e: { target: { value: string } }) => form.setValue('fields', prefill(item, e.target.value === 'members' ? 'members' : 'events')) })}>
                <option value="events">{t('imports.kind.events')}</option>
                <option value="members">{t('imports.kind.members')}</option>
              </select>
            </div>
            {kind === 'events' ? (
              <label className="check field-action">
                <input type="checkbox" {...form.register('rules')} /> {t('imports.mapping.rules')}
              </label>
            ) : null}
          </div>
          {item.suggested[kind].preset ? <p className="field-hint">{t('imports.mapping.preset', { preset: item.suggested[kind].preset })}</p> : null}
          <p className="field-hint">{t('imports.mapping.required', { fields: required.join(', ') || '—' })}</p>
          <div className="table-wrap">
            <table className="mapping-table">
              <thead>
                <tr>
                  <th scope="col">{t('imports.mapping.column')}</th>
                  <th scope="col">{t('imports.mapping.sample')}</th>
                  <th scope="col">{t('imports.mapping.field')}</th>
                </tr>
              </thead>
              <tbody>
                {item.columns.map((c, n) => {
                  const f = chosen[n] ?? '';
                  const err = twice.has(f) ? t('imports.mapping.twice') : serverField && (f === serverField || `${f}${c}` === serverField) ? errorMessage(t, failure) : undefined;
                  return (
                    <tr key={c}>
                      <th scope="row">{c}</th>
                      <td className="sample-cell">
                        {item.sample
                          .slice(0, 3)
                          .map((r) => (typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c] ?? '')))
                          .join(' · ')}
                      </td>
                      <td>
                        <select aria-label={t('imports.mapping.fieldFor', { column: c })} aria-invalid={err ? true : undefined} {...form.register(`fields.${n}`)}>
                          <option value="">{t('imports.mapping.skip')}</option>
                          {suggested[n] && !fields.some((x) => x.name === suggested[n]) ? <option value={suggested[n]}>{suggested[n]}</option> : null}
                          {fields.map((x) => (
                            <option key={x.name} value={x.name}>
                              {x.name.endsWith('.') ? t('imports.mapping.prefixed', { prefix: x.name, column: c }) : x.required ? `${x.name} *` : x.name}
                            </option>
                          ))}
                        </select>
                        {err ? (
                          <p className="field-error" role="alert">
                            {err}
                          </p>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {missing.length ? <p className="field-error">{t('imports.mapping.missing', { fields: missing.join(', ') })}</p> : null}
          {failure && !serverField ? <ErrorState title={t('imports.mapping.failed')} message={errorMessage(t, failure)} /> : null}
          {serverField && !chosen.some((f, n) => f === serverField || `${f}${item.columns[n]}` === serverField) ? <p className="field-error" role="alert">{errorMessage(t, failure)}</p> : null}
          <div className="form-actions">
            <Button type="submit" variant="primary" disabled={missing.length > 0 || twice.size > 0}>
              {t('imports.mapping.start')}
            </Button>
          </div>
        </fieldset>
      </form>
    </Card>
  );
}
