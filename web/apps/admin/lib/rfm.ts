import type { TFunction } from 'i18next';

/** The key of an RFM segment's name (`Can't Lose Them` → `cantLoseThem`), for its translation under `rfmSegments`. */
export const rfmSegmentKey = (name: string): string =>
  name
    .replace(/'/g, '')
    .split(/[^A-Za-z]+/)
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
    .join('');

/** An RFM segment's name in the user's language (the server names segments in English). */
export const rfmSegmentLabel = (t: TFunction, name: string): string => t(`rfmSegments.${rfmSegmentKey(name)}`, { defaultValue: name });
