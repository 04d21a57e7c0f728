import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError, previewRules, ruleKeys, type PreviewBody } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, Loading, TextAreaField, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { bodyOf, fromLocalInput, toLocalInput, type RuleDraft } from '../../lib/ruleDraft';
import { useDebounced } from '../../lib/useDebounced';
import { MoneyInput, NumberInput } from './inputs';
import { MemberPicker, type PickedMember } from './MemberPicker';
import { PreviewResult } from './PreviewResult';

interface Line {
  sku: string;
  category: string;
  quantity: number | undefined;
  unit_price: number | undefined;
}
interface Sample {
  amount: number | undefined;
  channel: string;
  store_id: string;
  lines: Line[];
  occurred_at: string;
  properties: string;
}

/** The sample event as POST /v1/rules/preview takes it; the properties text is sent when it is a JSON object. */
function eventOf(trigger: string, s: Sample, currency: string): Record<string, unknown> {
  const e: Record<string, unknown> = { type: trigger };
  if (s.channel.trim()) e.channel = s.channel.trim();
  const at = fromLocalInput(s.occurred_at);
  if (at) e.occurred_at = at;
  try {
    const p: unknown = s.properties.trim() ? JSON.parse(s.properties) : undefined;
    if (p && typeof p === 'object' && !Array.isArray(p)) e.properties = p;
  } catch {
    /* not JSON yet: left out */
  }
  if (trigger !== 'purchase') return e;
  e.currency = currency;
  if (s.amount !== undefined) e.amount = s.amount;
  if (s.store_id.trim()) e.store_id = s.store_id.trim();
  const lines = s.lines.filter((l) => l.sku.trim());
  if (lines.length) e.lines = lines.map((l) => ({ sku: l.sku.trim(), ...(l.category.trim() ? { category: l.category.trim() } : {}), quantity: l.quantity ?? 1, unit_price: l.unit_price ?? 0 }));
  return e;
}

/**
 * What the rule being edited would pay a chosen member for a sample event, asked again (debounced) whenever the
 * rule or the sample changes. Only this draft is evaluated, with the program's base rate beside it.
 */
export function RulePreview({ draft, currency }: { draft: RuleDraft; currency: string }) {
  const { t } = useI18n();
  const [member, setMember] = useState<PickedMember | null>(null);
  const [sample, setSample] = useState<Sample>(() => ({ amount: 6000, channel: 'web', store_id: '', lines: [], occurred_at: toLocalInput(new Date().toISOString()), properties: '' }));
  const body: PreviewBody | null = member ? { member: { id: member.id }, event: eventOf(draft.trigger, sample, currency), rules: [bodyOf(draft)] } : null;
  const asked = useDebounced(body ? JSON.stringify(body) : null, 400);
  const preview = useQuery({
    queryKey: [...ruleKeys.all(), 'preview', asked],
    queryFn: ({ signal }) => previewRules(JSON.parse(asked!) as PreviewBody, signal),
    enabled: asked !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 0,
  });
  const setLine = (i: number, l: Line) => setSample({ ...sample, lines: sample.lines.map((x, j) => (j === i ? l : x)) });
  const problem = preview.error instanceof ApiError ? preview.error : null;
  return (
    <Card title={t('rules.preview.title')} className="preview-card">
      <MemberPicker value={member} onPick={setMember} />
      <fieldset className="sample" aria-label={t('rules.preview.sample')}>
        <legend>{t('rules.preview.sampleOf', { trigger: t(`rules.triggers.${draft.trigger}`, { defaultValue: draft.trigger }) })}</legend>
        <div className="cond-fields">
          {draft.trigger === 'purchase' ? <MoneyInput label={t('rules.preview.amount')} currency={currency} value={sample.amount} onChange={(amount) => setSample({ ...sample, amount })} /> : null}
          <TextField label={t('rules.preview.channel')} value={sample.channel} onChange={(e) => setSample({ ...sample, channel: e.target.value })} />
          {draft.trigger === 'purchase' ? <TextField label={t('rules.preview.store')} value={sample.store_id} onChange={(e) => setSample({ ...sample, store_id: e.target.value })} /> : null}
          <TextField label={t('rules.preview.when')} type="datetime-local" value={sample.occurred_at} onChange={(e) => setSample({ ...sample, occurred_at: e.target.value })} />
        </div>
        {draft.trigger === 'purchase'
          ? sample.lines.map((l, i) => (
              <div className="cond-fields" key={i} role="group" aria-label={t('rules.preview.line', { n: i + 1 })}>
                <TextField label={t('rules.preview.sku')} value={l.sku} onChange={(e) => setLine(i, { ...l, sku: e.target.value })} />
                <TextField label={t('rules.preview.category')} value={l.category} onChange={(e) => setLine(i, { ...l, category: e.target.value })} />
                <NumberInput label={t('rules.preview.quantity')} value={l.quantity} onChange={(quantity) => setLine(i, { ...l, quantity })} />
                <MoneyInput label={t('rules.preview.unitPrice')} currency={currency} value={l.unit_price} onChange={(unit_price) => setLine(i, { ...l, unit_price })} />
                <div className="field field-action">
                  <Button variant="ghost" onClick={() => setSample({ ...sample, lines: sample.lines.filter((_, j) => j !== i) })}>{t('rules.preview.removeLine')}</Button>
                </div>
              </div>
            ))
          : null}
        {draft.trigger === 'purchase' ? (
          <Button onClick={() => setSample({ ...sample, lines: [...sample.lines, { sku: '', category: '', quantity: 1, unit_price: undefined }] })}>{t('rules.preview.addLine')}</Button>
        ) : null}
        <TextAreaField label={t('rules.preview.properties')} hint={t('rules.preview.propertiesHint')} value={sample.properties} onChange={(e) => setSample({ ...sample, properties: e.target.value })} />
      </fieldset>
      <div aria-live="polite" className="preview-answer">
        {!member ? (
          <p className="field-hint">{t('rules.preview.pickFirst')}</p>
        ) : preview.isPending ? (
          <Loading label={t('rules.preview.working')} />
        ) : preview.isError ? (
          <p className="form-error" role="alert">
            {problem?.field ? t('rules.preview.refused', { field: problem.field.replace(/^rules\.0\./, ''), message: errorMessage(t, problem) }) : errorMessage(t, preview.error)}
          </p>
        ) : (
          <PreviewResult answer={preview.data} draftName={draft.name} />
        )}
      </div>
    </Card>
  );
}
