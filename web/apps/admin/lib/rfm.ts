import type { TFunction } from 'i18next';

/** The key of an RFM segment's name (`Can't Lose Them` → `cant_lose_them`), for its translation under `analytics.segment`. */
export const rfmSegmentKey = (name: string): string => name.toLowerCase().replace(/'/g, '').replace(/[^a-z]+/g, '_');

/** An RFM segment's name in the user's language (the server names segments in English). */
export const rfmSegmentLabel = (t: TFunction, name: string): string => t(`analytics.segment.${rfmSegmentKey(name)}`, { defaultValue: name });
