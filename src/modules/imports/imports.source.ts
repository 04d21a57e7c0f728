import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, type CsvError } from 'csv-parse';
import { AppError } from '../../platform/errors.js';

/**
 * Reading a data file as a stream of records, whatever its shape: CSV (a header line, then one record a line)
 * or JSON Lines (one object a line), gzipped or not. Nothing holds more than the current record, so a file of
 * any size streams in constant memory.
 */

export type Format = 'csv' | 'jsonl';

/** One record: its values by column (CSV) or by top-level key (JSON Lines), and the line it ends on. */
export interface SourceRecord {
  line: number;
  get(column: string): unknown;
  /** The whole record as an object: a JSON line as it was, a CSV line keyed by its header. */
  value(): Record<string, unknown>;
}

/** A line that is not a record (broken CSV, invalid JSON): it becomes a reject. */
export interface SourceProblem {
  line: number;
  code: string;
  message: string;
}

export type SourceItem = { record: SourceRecord } | { problem: SourceProblem };

export interface Source {
  file: string;
  format: Format;
  gzip: boolean;
  /** Bytes of the file (compressed, if it is) and how many have been read so far: the progress bar's scale. */
  size: number;
  bytesRead(): number;
  /** The CSV header, once the first line is read; undefined for JSON Lines. */
  columns(): string[] | undefined;
  items(): AsyncGenerator<SourceItem>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The format a file's name says, after any .gz: .csv and .tsv are CSV, .jsonl, .ndjson and .json are JSON Lines. */
export function formatOfName(file: string): Format | undefined {
  const name = basename(file).toLowerCase().replace(/\.gz$/, '');
  if (/\.(csv|tsv|txt)$/.test(name)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/.test(name)) return 'jsonl';
  return undefined;
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await fh.close();
  }
}

/** Opens a data file; gzip is told by its first bytes, the format by `format` or else by the file's name. */
export async function openSource(file: string, format?: Format): Promise<Source> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new AppError('invalid', 'import.not_a_file', `${file} is not a file`, { field: 'file' });
    size = st.size;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('not_found', 'import.file_not_found', `Cannot read ${file}: no such file`, { field: 'file' });
  }
  const fmt = format ?? formatOfName(file);
  if (!fmt) {
    throw new AppError('invalid', 'import.unknown_format', `Cannot tell the format of ${file}: name it .csv or .jsonl (optionally .gz), or pass --format csv|jsonl`, {
      field: 'format',
    });
  }
  const gzip = await isGzip(file);
  const tsv = /\.tsv(\.gz)?$/i.test(file);
  let read = 0;
  let header: string[] | undefined;

  function stream(): Readable {
    const raw = createReadStream(file);
    raw.on('data', (chunk) => (read += chunk.length));
    if (!gzip) return raw;
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    return raw.pipe(gunzip);
  }

  async function* csv(): AsyncGenerator<SourceItem> {
    const problems: SourceProblem[] = [];
    let index = new Map<string, number>();
    const parser = stream().pipe(
      parse({
        bom: true,
        delimiter: tsv ? '\t' : ',',
        info: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        on_skip: (err: CsvError | undefined) => {
          if (err) problems.push({ line: Number(err.lines) || 0, code: 'import.bad_csv', message: err.message });
          return undefined;
        },
      }),
    );
    for await (const out of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      while (problems.length) yield { problem: problems.shift()! };
      if (!header) {
        header = out.record.map((c) => c.trim());
        index = new Map(header.map((c, i) => [c, i]));
        continue;
      }
      const cells = out.record;
      const cols = header;
      const at = index;
      yield {
        record: {
          line: out.info.lines,
          get: (column) => {
            const i = at.get(column);
            return i === undefined ? undefined : cells[i];
          },
          value: () => Object.fromEntries(cols.map((c, i) => [c, cells[i]])),
        },
      };
    }
    while (problems.length) yield { problem: problems.shift()! };
  }

  async function* jsonl(): AsyncGenerator<SourceItem> {
    let line = 0;
    for await (const text of createInterface({ input: stream(), crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        yield { problem: { line, code: 'import.bad_json', message: `Not JSON: ${e instanceof Error ? e.message : String(e)}` } };
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        yield { problem: { line, code: 'import.bad_json', message: 'A line must be a JSON object' } };
        continue;
      }
      const obj = parsed as Record<string, unknown>;
      yield { record: { line, get: (path) => pathOf(obj, path), value: () => obj } };
    }
  }

  return {
    file,
    format: fmt,
    gzip,
    size,
    bytesRead: () => read,
    columns: () => header,
    items: fmt === 'csv' ? csv : jsonl,
  };
}

/** A value by dotted path in a JSON object ("customer.id"); a key that itself holds dots is found first. */
function pathOf(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}
