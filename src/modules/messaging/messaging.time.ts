/** Wall-clock arithmetic in a member's time zone, for quiet hours and the daily cap. */

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** A zone Intl knows, else UTC (a member's zone is checked when stored; this guards old data). */
export function safeZone(zone: string | null | undefined): string | null {
  if (!zone) return null;
  try {
    formatter(zone);
    return zone;
  } catch {
    return null;
  }
}

export function localParts(at: Date, zone: string): Parts & { second: number } {
  const p: Record<string, number> = {};
  for (const x of formatter(zone).formatToParts(at)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second! };
}

/** The offset of `zone` from UTC at `at`, in ms. */
function offsetAt(at: Date, zone: string): number {
  const p = localParts(at, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a wall-clock time has in `zone` (the day may overflow: day 32 is the next month's 1st). Aimed with
 * the offset at the guess, then again with the offset in force where that landed (around a DST change).
 */
export function zonedTime(p: Parts, zone: string): Date {
  const guess = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  const o1 = offsetAt(new Date(guess), zone);
  const o2 = offsetAt(new Date(guess - o1), zone);
  return new Date(guess - o2);
}

/** Midnight that starts the local day after the one `at` falls in. */
export function nextLocalDay(at: Date, zone: string): Date {
  const p = localParts(at, zone);
  return zonedTime({ year: p.year, month: p.month, day: p.day + 1, hour: 0, minute: 0 }, zone);
}

/** Midnight that starts the local day `at` falls in. */
export function startOfLocalDay(at: Date, zone: string): Date {
  const p = localParts(at, zone);
  return zonedTime({ year: p.year, month: p.month, day: p.day, hour: 0, minute: 0 }, zone);
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet hours that `at` falls in end, or null when `at` is outside them. A window may cross
 * midnight (21:00–08:00); start = end is no window.
 */
export function quietUntil(at: Date, zone: string, window: { start: string; end: string }): Date | null {
  const s = minutes(window.start);
  const e = minutes(window.end);
  if (s === e) return null;
  const p = localParts(at, zone);
  const now = p.hour * 60 + p.minute;
  const inside = s < e ? now >= s && now < e : now >= s || now < e;
  if (!inside) return null;
  // The end is today when it is still ahead of now, else tomorrow (a window crossing midnight, before midnight).
  const day = now < e ? p.day : p.day + 1;
  return zonedTime({ year: p.year, month: p.month, day, hour: Math.floor(e / 60), minute: e % 60 }, zone);
}
