const DAY = 86_400_000;

/** YYYY-MM-DD of an instant (UTC). */
export const dayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);
/** The API's end is exclusive; the form shows the last day included. */
export const lastDayOf = (toExclusive: string) => dayOf(new Date(new Date(toExclusive).getTime() - 1).toISOString());
export const dayAfter = (day: string) => new Date(new Date(`${day}T00:00:00Z`).getTime() + DAY).toISOString().slice(0, 10);

/** The period of the same length just before [from, to). */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const start = new Date(from).getTime();
  const length = new Date(to).getTime() - start;
  return { from: new Date(start - length).toISOString(), to: new Date(start).toISOString() };
}
