import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type RuleListParams = NonNullable<paths['/v1/rules']['get']['parameters']['query']>;
export type Rule = paths['/v1/rules/{rule_id}']['get']['responses'][200]['content']['application/json'];
export type RuleStatus = Rule['status'];
export type RuleVersion = NonNullable<Rule['versions']>[number];
export type RuleCreateBody = paths['/v1/rules']['post']['requestBody']['content']['application/json'];
export type RuleUpdateBody = paths['/v1/rules/{rule_id}']['patch']['requestBody']['content']['application/json'];
export type PreviewBody = paths['/v1/rules/preview']['post']['requestBody']['content']['application/json'];
export type PreviewAnswer = paths['/v1/rules/preview']['post']['responses'][200]['content']['application/json'];
export type PreviewRuleAnswer = PreviewAnswer['rules'][number];

export const ruleKeys = {
  all: () => ['rules', currentProgram()] as const,
  list: (params: RuleListParams) => [...ruleKeys.all(), 'list', params] as const,
  one: (id: string) => [...ruleKeys.all(), 'one', id] as const,
};

export const ruleListQuery = (params: RuleListParams) =>
  queryOptions({
    queryKey: ruleKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/rules', { params: { query: params }, signal })),
  });

/** A rule with every version, oldest first. */
export const ruleQuery = (id: string) =>
  queryOptions({
    queryKey: ruleKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/rules/{rule_id}', { params: { path: { rule_id: id } }, signal })),
  });

async function refreshed(client: QueryClient, rule: Rule) {
  client.setQueryData(ruleKeys.one(rule.id), rule);
  await client.invalidateQueries({ queryKey: [...ruleKeys.all(), 'list'] });
  await client.invalidateQueries({ queryKey: ruleKeys.one(rule.id) });
  return rule;
}

export async function createRule(client: QueryClient, body: RuleCreateBody) {
  return refreshed(client, await unwrap(api.POST('/v1/rules', { body })));
}

/** A draft changes in place; an active rule gets a new version. */
export async function updateRule(client: QueryClient, id: string, body: RuleUpdateBody) {
  return refreshed(client, await unwrap(api.PATCH('/v1/rules/{rule_id}', { params: { path: { rule_id: id } }, body })));
}

export async function setRuleStatus(client: QueryClient, id: string, action: 'activate' | 'archive') {
  const path = { params: { path: { rule_id: id } }, body: {} };
  const rule = await unwrap(action === 'activate' ? api.POST('/v1/rules/{rule_id}/activate', path) : api.POST('/v1/rules/{rule_id}/archive', path));
  return refreshed(client, rule);
}

/** What an event would earn a member, rule by rule, and why; writes nothing. */
export const previewRules = (body: PreviewBody, signal?: AbortSignal) => unwrap(api.POST('/v1/rules/preview', { body, signal }));

/** The program's active rewards a rule's reward effect may issue (the first 200: a choice list, not the catalog). */
export const ruleRewardChoicesQuery = () =>
  queryOptions({
    queryKey: [...ruleKeys.all(), 'reward-choices'] as const,
    queryFn: async ({ signal }) => {
      const page = await unwrap(api.GET('/v1/rewards', { params: { query: { status: 'active', limit: 200 } }, signal }));
      return page.data.map((r) => ({ id: r.id, name: r.name }));
    },
    staleTime: 60_000,
  });
