import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { AppError } from '../../platform/errors.js';
import type { Reject } from './imports.orders.js';

/**
 * The rejects file: one row per line (or event) the import refused, with its line number, the error code,
 * the field and the message. CSV, or JSON Lines when the file is named .jsonl / .ndjson. Written as the import
 * goes, so a long import that fails half-way still leaves what it refused so far.
 */

const COLUMNS = ['line', 'lines', 'id', 'code', 'field', 'message'] as const;

/** A CSV cell: quoted when it holds a comma, a quote or a line break (quotes doubled). */
function cell(v: string | number | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface RejectsWriter {
  file: string;
  write(r: Reject): Promise<void>;
  /**
   * Finishes the file. After a complete import it is written even with no reject (just its header), so an
   * old one from an earlier run never lingers; an import that failed before writing any leaves none.
   */
  close(complete: boolean): Promise<void>;
}

/** Checks up front that the file can be written (so a bad path fails before the import), and writes it lazily. */
export async function openRejects(file: string): Promise<RejectsWriter> {
  try {
    await access(dirname(file), constants.W_OK);
  } catch {
    throw new AppError('invalid', 'import.rejects_unwritable', `Cannot write the rejects file ${file}: its directory is missing or not writable`, {
      field: 'rejects',
    });
  }
  const jsonl = /\.(jsonl|ndjson)$/i.test(file);
  let out: WriteStream | undefined;
  let failure: Error | undefined;

  const stream = () => {
    if (!out) {
      out = createWriteStream(file, { encoding: 'utf8' });
      out.on('error', (e) => (failure = e));
      if (!jsonl) out.write(`${COLUMNS.join(',')}\n`);
    }
    return out;
  };

  return {
    file,
    async write(r) {
      if (failure) throw failure;
      const s = stream();
      const line = jsonl ? `${JSON.stringify(r)}\n` : `${COLUMNS.map((c) => cell(r[c])).join(',')}\n`;
      if (!s.write(line)) await once(s, 'drain');
    },
    async close(complete) {
      if (!out && !complete) return;
      const s = stream();
      s.end();
      if (!s.closed) await once(s, 'close');
      if (failure) throw failure;
    },
  };
}
