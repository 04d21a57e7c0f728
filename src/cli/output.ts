/** What the commands print. Results go to stdout; progress and errors go to stderr. */

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** A plain text table: one header row, columns padded to their widest cell; empty cells print as "-". */
export function printTable(headers: readonly string[], rows: readonly (readonly (string | null | undefined)[])[]): void {
  const cells = rows.map((r) => headers.map((_, i) => r[i] || '-'));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out(line(headers.map((h) => h.toUpperCase())));
  for (const r of cells) out(line(r));
}

/** A timestamp to the second, for tables. */
export function shortTime(iso: string | null | undefined): string | undefined {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z') : undefined;
}

/** The `code` of a Node system error (ECONNREFUSED, EADDRINUSE, …), if it has one. */
export function errnoCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
