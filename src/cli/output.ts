/** What the commands print. Results go to stdout; progress and errors go to stderr. */

/** Set once the reader of stdout has gone (`patron keys list | head -1`): what is left to print is dropped. */
let stdoutClosed = false;

/**
 * A reader that stops early (head, less, grep -m) closes the pipe, and the next write fails with EPIPE:
 * unhandled, that is a crash with a stack trace. Nobody is left to read the rest, so the output stops and the
 * command ends as it would have — a write, an import or a fit still completes, and the exit status is its own.
 */
export function quietOnClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (e: unknown) => {
    if (errnoCode(e) === 'EPIPE') {
      stdoutClosed = true;
      return;
    }
    throw e;
  });
}

export function out(line = ''): void {
  if (stdoutClosed) return;
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
