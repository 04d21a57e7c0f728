import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, createTemplate, updateTemplate, type Template, type TemplateInput, type TemplateLocale, type TemplateVariant } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, SelectField, TextAreaField, TextField } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';

export const LOCALES: TemplateLocale[] = ['en', 'zh-Hans', 'zh-Hant', 'ru'];
const CHANNELS: TemplateInput['channel'][] = ['email', 'sms', 'push', 'wechat'];
const FIELDS: Record<TemplateInput['channel'], (keyof TemplateVariant)[]> = {
  email: ['subject', 'mjml', 'text'],
  sms: ['text'],
  push: ['title', 'text', 'url'],
  wechat: ['text'],
};
const STARTER = '<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>Hello {{ member.first_name }}</mj-text>\n        <mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>';

interface Draft {
  name: string;
  channel: TemplateInput['channel'];
  default_locale: TemplateLocale;
  variants: Partial<Record<TemplateLocale, TemplateVariant>>;
}

const blank = (): Draft => ({ name: '', channel: 'email', default_locale: 'en', variants: { en: { subject: '', mjml: STARTER } } });

/** Keeps only the filled fields of the locales that have any. */
function variantsOf(d: Draft): TemplateInput['variants'] {
  const out: TemplateInput['variants'] = {};
  for (const l of LOCALES) {
    const v = d.variants[l];
    if (!v) continue;
    const kept: TemplateVariant = {};
    for (const f of FIELDS[d.channel]) if (v[f]?.trim()) kept[f] = v[f];
    if (Object.keys(kept).length) out[l] = kept;
  }
  return out;
}

/** The template's name, channel, default locale and a tab per locale with that channel's fields. */
export function TemplateEditor({ template }: { template?: Template }) {
  const { t } = useI18n();
  const can = useCan();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(() => (template ? { name: template.name, channel: template.channel, default_locale: template.default_locale, variants: template.variants } : blank()));
  const [tab, setTab] = useState<TemplateLocale>(template?.default_locale ?? 'en');
  const save = useMutation({
    mutationFn: () =>
      template
        ? updateTemplate(client, template.id, { name: draft.name, default_locale: draft.default_locale, variants: variantsOf(draft) })
        : createTemplate(client, { name: draft.name, channel: draft.channel, default_locale: draft.default_locale, variants: variantsOf(draft) }),
    onSuccess: (saved) => {
      if (!template) void navigate(`/templates/${saved.id}`);
    },
    onError: (err) => {
      const m = err instanceof ApiError ? /^variants\.([\w-]+)/.exec(err.field ?? '') : null;
      const l = LOCALES.find((x) => x === m?.[1]);
      if (l) setTab(l);
    },
  });
  const canWrite = can(template ? 'PATCH /v1/templates/:template_id' : 'POST /v1/templates');
  const field = save.error instanceof ApiError ? save.error.field : undefined;
  const errorAt = (f: string) => (field === f ? errorMessage(t, save.error) : undefined);
  const general = save.error && !(field && /^(name|default_locale|variants\.)/.test(field)) ? errorMessage(t, save.error) : null;
  const setField = (f: keyof TemplateVariant, value: string) => setDraft((d) => ({ ...d, variants: { ...d.variants, [tab]: { ...d.variants[tab], [f]: value } } }));
  const variant = draft.variants[tab] ?? {};

  return (
    <Card title={t('messaging.editor.title')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <fieldset disabled={!canWrite || save.isPending} className="stack">
          <legend className="visually-hidden">{t('messaging.editor.title')}</legend>
          {general ? <p role="alert" className="field-error">{general}</p> : null}
          <TextField label={t('messaging.editor.name')} value={draft.name} required maxLength={200} error={errorAt('name')} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          <div className="row">
            <SelectField label={t('messaging.col.channel')} value={draft.channel} disabled={!!template} onChange={(e) => setDraft({ ...draft, channel: e.target.value as Draft['channel'] })}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>{t(`messaging.channel.${c}`)}</option>
              ))}
            </SelectField>
            <SelectField label={t('messaging.editor.defaultLocale')} value={draft.default_locale} error={errorAt('default_locale')} onChange={(e) => setDraft({ ...draft, default_locale: e.target.value as TemplateLocale })}>
              {LOCALES.map((l) => (
                <option key={l} value={l}>{t(`messaging.locale.${l}`)}</option>
              ))}
            </SelectField>
          </div>
          <div role="tablist" aria-label={t('messaging.editor.locales')} className="tabs">
            {LOCALES.map((l) => (
              <button key={l} type="button" role="tab" id={`tab-${l}`} aria-selected={tab === l} aria-controls={`panel-${l}`} className="tab" onClick={() => setTab(l)}>
                {t(`messaging.locale.${l}`)}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="stack">
            {errorAt(`variants.${tab}`) ? <p role="alert" className="field-error">{errorAt(`variants.${tab}`)}</p> : null}
            {FIELDS[draft.channel].map((f) =>
              f === 'mjml' || f === 'text' ? (
                <TextAreaField key={f} label={t(`messaging.field.${f}`)} rows={f === 'mjml' ? 12 : 4} className="mono" value={variant[f] ?? ''} error={errorAt(`variants.${tab}.${f}`)} onChange={(e) => setField(f, e.target.value)} />
              ) : (
                <TextField key={f} label={t(`messaging.field.${f}`)} value={variant[f] ?? ''} error={errorAt(`variants.${tab}.${f}`)} onChange={(e) => setField(f, e.target.value)} />
              ),
            )}
            <p className="field-hint">{t('messaging.editor.variables')}</p>
          </div>
          {canWrite ? (
            <div className="row">
              <Button variant="primary" type="submit">{save.isPending ? t('messaging.editor.saving') : t('messaging.editor.save')}</Button>
              {save.isSuccess && template ? <span role="status">{t('messaging.editor.saved')}</span> : null}
            </div>
          ) : null}
        </fieldset>
      </form>
    </Card>
  );
}
