import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { memberListQuery, previewTemplate, type Template, type TemplateLocale } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, SelectField, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useDebounced } from '../../lib/useDebounced';
import { LOCALES } from './TemplateEditor';

/** Renders the saved template with a member found by name or email, in the member's locale or one chosen. */
export function TemplatePreview({ template }: { template: Template }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [memberId, setMemberId] = useState<string | null>(null);
  const [locale, setLocale] = useState<TemplateLocale | ''>('');
  const search = useDebounced(q.trim(), 250);
  const found = useQuery({ ...memberListQuery({ q: search, limit: 5 }), enabled: search.length > 0 });
  const preview = useMutation({ mutationFn: (id: string) => previewTemplate(template.id, { member_id: id, ...(locale ? { locale } : {}) }) });

  return (
    <Card title={t('messaging.preview.title')}>
      <div className="stack">
        <TextField label={t('messaging.preview.findMember')} type="search" value={q} hint={t('messaging.preview.findHint')} onChange={(e) => setQ(e.target.value)} />
        {found.data && search ? (
          found.data.data.length === 0 ? (
            <p>{t('messaging.preview.noMember')}</p>
          ) : (
            <ul className="plain-list" aria-label={t('messaging.preview.matches')}>
              {found.data.data.map((m) => (
                <li key={m.id}>
                  <Button variant={memberId === m.id ? 'primary' : 'secondary'} aria-pressed={memberId === m.id} onClick={() => setMemberId(m.id)}>
                    {[m.first_name, m.last_name].filter(Boolean).join(' ') || m.id} {m.email ? `<${m.email}>` : ''}
                  </Button>
                </li>
              ))}
            </ul>
          )
        ) : null}
        <div className="row">
          <SelectField label={t('messaging.preview.locale')} value={locale} onChange={(e) => setLocale(e.target.value as TemplateLocale | '')}>
            <option value="">{t('messaging.preview.memberLocale')}</option>
            {LOCALES.map((l) => (
              <option key={l} value={l}>{t(`messaging.locale.${l}`)}</option>
            ))}
          </SelectField>
          <Button variant="primary" disabled={!memberId || preview.isPending} onClick={() => memberId && preview.mutate(memberId)}>
            {t('messaging.preview.run')}
          </Button>
        </div>
        {preview.isError ? <p role="alert" className="field-error">{errorMessage(t, preview.error)}</p> : null}
        {preview.data ? (
          <div className="stack">
            {preview.data.subject !== null ? (
              <p>
                <strong>{t('messaging.field.subject')}:</strong> <span data-testid="preview-subject">{preview.data.subject}</span>
              </p>
            ) : null}
            {preview.data.html ? (
              <iframe sandbox="" title={t('messaging.preview.frame')} srcDoc={preview.data.html} className="email-frame" />
            ) : (
              <pre className="mono">{[preview.data.title, preview.data.text, preview.data.url].filter(Boolean).join('\n')}</pre>
            )}
          </div>
        ) : null}
      </div>
    </Card>
  );
}
