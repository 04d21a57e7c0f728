export { createRulesService, type RulesService, type IssueReward } from './rules.service.js';
export { parseCondition } from './rules.conditions.js';
export { rulesRoutes } from './rules.routes.js';
export type { TierLookup } from './rules.facts.js';
export { BASE_RULE_ID, type CompiledRule, type RuleTrace } from './rules.engine.js';
export * from './rules.contract.js';
