/**
 * Rows of a CSV text (RFC 4180): fields split by commas (or semicolons, when the first line has no comma),
 * double quotes around fields that hold separators, quotes ("" inside a quoted field) or line breaks; CRLF, LF
 * or CR line ends; a byte-order mark at the start is dropped. Blank lines give no row.
 */
export function parseCsv(text: string): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = src.slice(0, src.search(/\r|\n|$/));
  const sep = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      endRow();
      if (c === '\r' && src[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

export const COUPON_CODE = /^[A-Za-z0-9_-]{3,64}$/;

export interface CodeFile {
  /** Distinct valid codes, upper-cased (the API matches codes case-insensitively). */
  codes: string[];
  /** Codes that appeared more than once in the file. */
  repeated: number;
  /** Cells of the first column that are not codes (3–64 letters, digits, _ or -). */
  invalid: string[];
  header: boolean;
}

/** The coupon codes of a CSV file: its first column, without a header row (one that says "code"). */
export function codesOf(text: string): CodeFile {
  const rows = parseCsv(text);
  const first = rows[0]?.[0]?.trim() ?? '';
  const header = /^(coupon[ _-]?)?codes?$/i.test(first) || (first !== '' && !COUPON_CODE.test(first));
  const seen = new Set<string>();
  const invalid: string[] = [];
  let repeated = 0;
  for (const r of header ? rows.slice(1) : rows) {
    const cell = (r[0] ?? '').trim();
    if (!cell) continue;
    if (!COUPON_CODE.test(cell)) {
      invalid.push(cell);
      continue;
    }
    const code = cell.toUpperCase();
    if (seen.has(code)) repeated++;
    else seen.add(code);
  }
  return { codes: [...seen], repeated, invalid, header };
}
