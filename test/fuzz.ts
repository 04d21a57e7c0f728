/**
 * Requests generated from Patron's own OpenAPI document, for the fuzz test: for every operation, values that
 * follow its schemas (so requests reach the handlers) mixed with values a careless or hostile client sends
 * (wrong types, NUL and lone surrogates, absurd dates and numbers, deep nesting, broken JSON, odd path ids).
 */
import fc from 'fast-check';

type Schema = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: Schema }[];
  body?: Schema;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Real ids to put in path parameters, by parameter name, so that requests reach existing rows. */
export type Known = Record<string, string[]>;

export function operations(doc: any): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => resolve(doc, p));
      const body = op.requestBody ? resolve(doc, op.requestBody).content?.['application/json']?.schema : undefined;
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        parameters: parameters.map((p: any) => ({ ...p, schema: resolve(doc, p.schema ?? {}) })),
        body: body ? deref(doc, body) : undefined,
      });
    }
  }
  return out;
}

function resolve(doc: any, node: any): any {
  let n = node;
  for (let i = 0; n && typeof n.$ref === 'string' && i < 20; i++) {
    n = n.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: any, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return n ?? {};
}

/** The schema with every $ref replaced by what it names (cycles cut at a depth). */
function deref(doc: any, schema: any, depth = 0): any {
  if (depth > 12 || schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => deref(doc, s, depth + 1));
  const s = schema.$ref ? resolve(doc, schema) : schema;
  const out: any = {};
  for (const [k, v] of Object.entries(s)) out[k] = k === 'enum' || k === 'const' || k === 'examples' ? v : deref(doc, v, depth + 1);
  return out;
}

// What a hostile client sends in place of a value.
const nastyStrings = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\u202e\u0301',
  '%00',
  '%ff',
  '../../etc/passwd',
  "'; drop table members; --",
  'x'.repeat(5000),
  '0001-01-01T00:00:00+14:00',
  '9999-12-31T23:59:59-14:00',
  '0000-01-01',
  '0050-01-01',
  '1899-12-31T23:59:59Z',
  '2026-02-30',
  '2026-13-01T00:00:00Z',
  'NaN',
  '-1',
  '1e309',
  '9007199254740993',
  '{"a":1}',
  'null',
  '🙂'.repeat(50),
];
const nastyNumbers = [
  0, -1, 1, -0, 0.5, -0.000001, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), -(2 ** 53), 1e308, -1e308,
  Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 123456789012345680000,
];

function deep(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...nastyStrings),
  fc.constantFrom(...nastyNumbers),
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': null }, { __proto__: { x: 1 } }, { constructor: { prototype: 1 } }),
  fc.constantFrom(40, 100, 2000).map(deep),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }),
);

function isoDate(): fc.Arbitrary<string> {
  return fc
    .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString());
}

/** A value that follows the schema (as far as is cheap to follow it). */
export function valid(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 8) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alts = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alts) && alts.length) return fc.oneof(...alts.map((a: Schema) => valid(a, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length) {
    return valid(Object.assign({}, ...schema.allOf), depth + 1);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t: string) => t !== 'null') ?? 'null';
  if (!type) type = schema.properties ? 'object' : schema.items ? 'array' : undefined;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 100000;
      const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
      const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
      return fc.oneof(
        fc.integer({ min: Math.max(lo, -1000), max: Math.max(Math.max(lo, -1000), Math.min(hi, 100000)) }),
        fc.constantFrom(lo, hi),
      );
    }
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'string':
      return validString(schema);
    case 'array': {
      const maxLength = Math.min(schema.maxItems ?? 4, 4);
      const minLength = Math.min(schema.minItems ?? 0, maxLength);
      return fc.array(valid(schema.items ?? {}, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) record[k] = valid(v, depth + 1);
      const keys = Object.keys(record);
      if (!keys.length) return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxKeys: 3 });
      return fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return isoDate();
  if (schema.format === 'date') return isoDate().map((s) => s.slice(0, 10));
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'uri' || schema.format === 'url') return fc.webUrl();
  if (typeof schema.pattern === 'string') {
    try {
      const re = new RegExp(schema.pattern);
      const max = schema.maxLength ?? 200;
      return fc.stringMatching(re).filter((s) => s.length <= max && s.length >= (schema.minLength ?? 0));
    } catch {
      /* a pattern JavaScript cannot read: fall through */
    }
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 30, 30));
  return fc.string({ minLength, maxLength });
}

/** A value for the schema that is sometimes wrong, anywhere inside it. */
export function mutated(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return valid(schema, depth);
  const props: Record<string, Schema> | undefined = schema?.properties;
  if (props && Object.keys(props).length && (schema.type === 'object' || !schema.type)) {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) record[k] = mutated(v, depth + 1);
    return fc.oneof(
      { weight: 6, arbitrary: fc.record(record, { requiredKeys: (schema.required ?? []).filter((k: string) => k in record) }) },
      { weight: 1, arbitrary: fc.record(record, { requiredKeys: [] }) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(valid(schema, depth), fc.string({ maxLength: 12 }), nastyValue)
          .map(([v, k, x]) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, [k || 'extra']: x } : v)),
      },
      { weight: 1, arbitrary: nastyValue },
    );
  }
  const alts = schema?.anyOf ?? schema?.oneOf;
  if (Array.isArray(alts) && alts.length) {
    return fc.oneof({ weight: 8, arbitrary: fc.oneof(...alts.map((a: Schema) => mutated(a, depth + 1))) }, { weight: 1, arbitrary: nastyValue });
  }
  if (schema?.type === 'array' && schema.items) {
    return fc.oneof(
      { weight: 6, arbitrary: fc.array(mutated(schema.items, depth + 1), { maxLength: 4 }) },
      { weight: 1, arbitrary: nastyValue },
    );
  }
  return fc.oneof({ weight: 5, arbitrary: valid(schema, depth) }, { weight: 1, arbitrary: nastyValue });
}

const nastyPathIds = [
  'x',
  '%00',
  'a%00b',
  '%ff',
  '%ed%a0%80',
  '%',
  '..',
  '%2e%2e',
  'mbr_' + '0'.repeat(26),
  'x'.repeat(101),
  'x'.repeat(3000),
  '%20',
  'null',
  '-1',
  '9'.repeat(40),
  '%E2%80%AE',
];

/** Percent-encodes as a client would, and a lone surrogate as the invalid UTF-8 bytes a broken client sends. */
export function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return Array.from(s, (c) => {
      try {
        return encodeURIComponent(c);
      } catch {
        return '%ED%A0%80';
      }
    }).join('');
  }
}

function pathValue(name: string, known: Known): fc.Arbitrary<string> {
  const ids = known[name] ?? [];
  return fc.oneof(
    ...(ids.length ? [{ weight: 6, arbitrary: fc.constantFrom(...ids).map(encode) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...nastyPathIds) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map(encode) },
  );
}

function queryValue(schema: Schema): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: valid(schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')) },
    { weight: 2, arbitrary: fc.constantFrom(...nastyStrings) },
    { weight: 1, arbitrary: fc.constantFrom(...nastyNumbers).map(String) },
  );
}

/** Bodies no JSON schema produces: broken or hostile text. */
const rawBodies = fc.constantFrom(
  '',
  '{',
  '[]',
  'null',
  '"x"',
  '{"a":1,"a":2}',
  '{"__proto__":{"admin":true}}',
  '{"x":"\\u0000"}',
  '{"x":"\\ud800"}',
  '{"x":"\\udc00\\ud800"}',
  '\u0000',
  '{"n":1e400}',
  '{"n":-0}',
  '[' .repeat(5000) + ']'.repeat(5000),
  '{"a":' .repeat(3000) + '1' + '}'.repeat(3000),
);

export function requestFor(op: Operation, known: Known, auth: Record<string, string>): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p.name, known)])));
  const queryArb = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, queryValue(p.schema)])), { requiredKeys: [] });
  const bodyArb: fc.Arbitrary<string | undefined> = op.body
    ? fc.oneof(
        { weight: 12, arbitrary: mutated(op.body).map((v) => JSON.stringify(v) ?? 'null') },
        { weight: 1, arbitrary: rawBodies },
      )
    : fc.constant(undefined);
  const headersArb = fc.oneof(
    { weight: 30, arbitrary: fc.constant(auth) },
    { weight: 1, arbitrary: fc.constant({ ...auth, 'idempotency-key': 'k\u00e9y-' }) },
    { weight: 1, arbitrary: fc.constant({ ...auth, 'content-type': 'text/plain' }) },
    { weight: 1, arbitrary: fc.constant({ ...auth, 'patron-program': 'prg_nope' }) },
  );
  return fc.tuple(pathArb, queryArb, bodyArb, headersArb).map(([path, query, payload, headers]) => {
    let url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => (path as Record<string, string>)[name] ?? 'x');
    const qs = Object.entries(query as Record<string, string>)
      .map(([k, v]) => `${encode(k)}=${encode(v)}`)
      .join('&');
    if (qs) url += `?${qs}`;
    const h: Record<string, string> = { ...headers };
    if (payload !== undefined && !h['content-type']) h['content-type'] = 'application/json';
    return { method: op.method, url, headers: h, payload };
  });
}
