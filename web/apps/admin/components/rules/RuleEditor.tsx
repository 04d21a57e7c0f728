import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { ApiError, createRule, ruleRewardChoicesQuery, updateRule, type Rule } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, PageHeader } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { bodyOf, draftOf, newDraft, stableJson, type RuleDraft } from '../../lib/ruleDraft';
import { RuleProblemProvider, type RuleProblem } from './inputs';
import { RuleActions } from './RuleActions';
import { RuleBuilder, type BuilderContext } from './RuleBuilder';
import { RuleJsonEditor } from './RuleJsonEditor';
import { RulePreview } from './RulePreview';
import { RuleVersions } from './RuleVersions';

export const STATUS_TONE = { draft: 'info', active: 'good', archived: 'neutral' } as const;

/** A rule in the builder (or its JSON), with its live preview, versions and status actions. */
export function RuleEditor({ rule, ctx }: { rule: Rule | null; ctx: Omit<BuilderContext, 'rewards'> }) {
  const { t } = useI18n();
  const can = useCan();
  const client = useQueryClient();
  const navigate = useNavigate();
  const saved = rule ? draftOf(rule) : newDraft();
  const [draft, setDraft] = useState<RuleDraft>(saved);
  const [tab, setTab] = useState<'builder' | 'json'>('builder');
  const [state, setState] = useState<{ saving: boolean; problem: RuleProblem | null }>({ saving: false, problem: null });
  const rewards = useQuery({ ...ruleRewardChoicesQuery(), enabled: can('GET /v1/rewards') });
  const canWrite = rule ? can('PATCH /v1/rules/:rule_id') && rule.status !== 'archived' : can('POST /v1/rules');
  const dirty = stableJson(draft) !== stableJson(saved);
  const save = async () => {
    setState({ saving: true, problem: null });
    try {
      const out = rule ? await updateRule(client, rule.id, bodyOf(draft)) : await createRule(client, bodyOf(draft));
      setState({ saving: false, problem: null });
      setDraft(draftOf(out));
      if (!rule) void navigate(`/rules/${out.id}`, { replace: true });
    } catch (err) {
      const field = err instanceof ApiError && err.field ? err.field.replace(/^body\./, '') : undefined;
      setState({ saving: false, problem: { field, message: errorMessage(t, err) } });
    }
  };
  const tabButton = (id: 'builder' | 'json', label: string) => (
    <button type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`panel-${id}`} className="tab" onClick={() => setTab(id)}>
      {label}
    </button>
  );
  return (
    <>
      <PageHeader
        title={rule ? rule.name : t('rules.new')}
        actions={
          <>
            {canWrite ? (
              <Button variant="primary" onClick={() => void save()} disabled={state.saving || (!!rule && !dirty)}>
                {state.saving ? t('rules.saving') : rule ? (rule.status === 'active' ? t('rules.saveVersion') : t('rules.save')) : t('rules.create')}
              </Button>
            ) : null}
            {rule ? <RuleActions rule={rule} dirty={dirty} /> : null}
          </>
        }
      >
        <p>
          <Link to="/rules">{t('rules.back')}</Link>
          {rule ? (
            <>
              {' · '}
              <Badge tone={STATUS_TONE[rule.status]}>{t(`rules.status.${rule.status}`)}</Badge> {t('rules.versionN', { version: rule.version })}
            </>
          ) : null}
          {dirty && canWrite ? <> · <span className="unsaved">{t('rules.unsaved')}</span></> : null}
        </p>
        {rule?.status === 'active' && canWrite ? <p>{t('rules.activeEditNote', { next: rule.version + 1 })}</p> : null}
        {!canWrite ? <p>{t('rules.readOnly')}</p> : null}
      </PageHeader>
      {state.problem ? (
        <p className="form-error" role="alert">
          {state.problem.field ? t('rules.problemAt', { field: state.problem.field, message: state.problem.message }) : state.problem.message}
        </p>
      ) : null}
      <div className={can('POST /v1/rules/preview') ? 'rule-layout' : 'rule-layout rule-layout-single'}>
        <div className="stack">
          <div role="tablist" aria-label={t('rules.views')} className="tabs">
            {tabButton('builder', t('rules.tabBuilder'))}
            {tabButton('json', t('rules.tabJson'))}
          </div>
          <RuleProblemProvider problem={state.problem}>
            <fieldset disabled={!canWrite || state.saving} className={canWrite ? 'rule-form' : 'rule-form read-only'}>
              <legend className="visually-hidden">{t('rules.definition')}</legend>
              <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
                {tab === 'builder' ? (
                  <RuleBuilder draft={draft} ctx={{ ...ctx, rewards: rewards.data ?? [] }} onChange={setDraft} />
                ) : (
                  <RuleJsonEditor draft={draft} readOnly={!canWrite} onChange={setDraft} />
                )}
              </div>
            </fieldset>
          </RuleProblemProvider>
          {rule?.versions?.length ? <RuleVersions rule={rule} canRestore={canWrite} onRestore={(d) => setDraft(d)} /> : null}
        </div>
        {can('POST /v1/rules/preview') ? <RulePreview draft={draft} currency={ctx.currency} /> : null}
      </div>
    </>
  );
}
