import type { TFunction } from 'i18next';

/** A rule's name as the console shows it: the program's base rate is named in the user's language. */
export const ruleLabel = (t: TFunction, id: string, name: string | undefined) => (id === 'base_earning' ? t('rules.baseEarning') : name || id);

/** A channel as the console shows it: the analytics name a missing channel `unknown`, said in the user's language. */
export const channelLabel = (t: TFunction, channel: string | null | undefined) => (channel === 'unknown' ? t('analytics.points.noChannel') : (channel ?? '—'));
