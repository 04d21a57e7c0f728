/** One changed value of an audit entry: its dotted path, and the value before and after (as display text). */
export interface DiffRow {
  path: string;
  before: string | undefined;
  after: string | undefined;
}

const MAX_DEPTH = 6;

function flatten(value: unknown, prefix: string, out: Map<string, string>, depth: number) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < MAX_DEPTH) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
    return;
  }
  if (prefix) out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
}

/** What changed between `before` and `after`, field by field; unchanged fields are left out. */
export function auditDiff(before: unknown, after: unknown): DiffRow[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before ?? {}, '', a, 0);
  flatten(after ?? {}, '', b, 0);
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.filter((p) => a.get(p) !== b.get(p)).map((path) => ({ path, before: a.get(path), after: b.get(path) }));
}
