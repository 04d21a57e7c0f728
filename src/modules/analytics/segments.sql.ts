import { DAY_MS } from '../../platform/clock.js';
import { pgArray } from '../../platform/db.js';
import { fieldSpec, SCORE_FIELDS, type Condition, type FieldSpec, type Leaf, type When } from './segments.conditions.js';

/**
 * Compiles a validated condition tree to one SQL predicate over `members m`, with the joins it needs and
 * nothing more: member_scores `s` for score fields, the member's tier level `tl`, one available account per
 * point currency named, and a lateral aggregate of the member's orders `act` for activity fields.
 *
 * Every value travels as a parameter. What is written into the SQL text is fixed by the field catalog: column
 * names come from a closed list, window lengths are validated integers, and aliases are generated here.
 *
 * Each comparison is made two-valued (`coalesce(…, false)`), so `not` and `neq` include members who have no
 * value: "not in country DE" includes members without a country.
 */
export interface CompiledSegment {
  /** `from members m` and the joins. */
  from: string;
  /** The program, not erased, and the tree. */
  where: string;
  params: readonly unknown[];
  /** A value column per field the tree reads, in order of first use. */
  columns: readonly { key: string; sql: string }[];
  usesScores: boolean;
}

/** The key of a field's value in member lists: activity windows get their own (`total_spent_30d`). */
export const valueKey = (l: Leaf) => (l.days !== undefined ? `${l.field}_${l.days}d` : l.field);

const MEMBER_COLUMNS: Record<string, string> = {
  status: 'm.status',
  country: 'm.country',
  locale: 'm.locale',
  enrolment_channel: 'm.enrolment_channel',
  enrolled_at: 'm.enrolled_at',
  birthdate: 'm.birthdate',
  'consent.email': 'm.consent_email',
  'consent.sms': 'm.consent_sms',
  'consent.push': 'm.consent_push',
};

const CAST: Record<string, string> = {
  text: 'text',
  enum: 'text',
  int: 'numeric',
  number: 'numeric',
  instant: 'timestamptz',
  date: 'date',
  bool: 'boolean',
};

const yes = (p: string) => `coalesce(${p}, false)`;
const no = (p: string) => `not coalesce(${p}, false)`;
const CMP = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const isCmp = (op: string): op is keyof typeof CMP => op in CMP;

class Builder {
  readonly params: unknown[] = [];
  usesScores = false;
  private tier = false;
  private orders = false;
  /** Activity over all orders is asked for, not only over windows. */
  private lifetime = false;
  private readonly balances = new Map<string, string>();
  private readonly windows = new Map<number, string>();
  /** Each parameter is used by the predicate: value columns reuse them, so a count can leave the columns out. */
  private readonly paths = new Map<string, string>();
  private nowParam?: string;
  private todayParam?: string;

  constructor(
    programId: string,
    private readonly now: Date,
  ) {
    this.add(programId, 'text');
  }

  add(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.params.length}::${cast}`;
  }

  private nowP() {
    return (this.nowParam ??= this.add(this.now, 'timestamptz'));
  }

  private todayP() {
    return (this.todayParam ??= this.add(this.now.toISOString().slice(0, 10), 'text::date'));
  }

  /** A time value: a day, an instant, or days before now; `date` fields take the calendar day (UTC). */
  private when(w: When, cast: 'timestamptz' | 'date'): string {
    const t = typeof w === 'string' ? new Date(w.length === 10 ? `${w}T00:00:00Z` : w) : new Date(this.now.getTime() - w.days_ago * DAY_MS);
    return cast === 'date' ? this.add(t.toISOString().slice(0, 10), 'text::date') : this.add(t, 'timestamptz');
  }

  /** The SQL expression of a field's value, registering the join it needs. */
  expr(field: string, days?: number): string {
    const column = Object.hasOwn(MEMBER_COLUMNS, field) ? MEMBER_COLUMNS[field] : undefined;
    if (column) return column;
    if (field === 'age') return `extract(year from age(${this.todayP()}, m.birthdate))::int`;
    if (field === 'tags') return 'm.tags';
    if (field === 'tier') {
      this.tier = true;
      return 'tl.name';
    }
    if (SCORE_FIELDS.has(field)) {
      this.usesScores = true;
      return `s.${field}`;
    }
    if (field.startsWith('attributes.')) {
      let path = this.paths.get(field);
      if (!path) this.paths.set(field, (path = this.add(pgArray(field.slice(11).split('.')), 'text[]')));
      return `(m.attributes #> ${path})`;
    }
    if (field.startsWith('balance.')) {
      const currency = field.slice(8);
      let alias = this.balances.get(currency);
      if (!alias) this.balances.set(currency, (alias = `b${this.balances.size}`));
      return `coalesce(${alias}.balance, 0)`;
    }
    this.orders = true;
    if (field === 'last_purchase_at' || field === 'first_purchase_at') {
      this.lifetime = true;
      return `act.${field}`;
    }
    if (field === 'orders_count' || field === 'total_spent') {
      if (days === undefined) {
        this.lifetime = true;
        return `act.${field}`;
      }
      if (!this.windows.has(days)) this.windows.set(days, this.add(new Date(this.now.getTime() - days * DAY_MS), 'timestamptz'));
      return `act.${field}_${days}`;
    }
    throw new Error(`segments: no SQL for field ${field}`);
  }

  /** The expression shown in member lists: days as YYYY-MM-DD. */
  column(l: Leaf): string {
    const e = this.expr(l.field, l.days);
    return l.field === 'birthdate' ? `to_char(${e}, 'YYYY-MM-DD')` : e;
  }

  node(c: Condition): string {
    if ('all' in c) return `(${c.all.map((x) => this.node(x)).join(' and ')})`;
    if ('any' in c) return `(${c.any.map((x) => this.node(x)).join(' or ')})`;
    if ('not' in c) return `(not ${this.node(c.not)})`;
    return this.leaf(c);
  }

  private leaf(l: Leaf): string {
    const spec = fieldSpec(l.field);
    if (!spec) throw new Error(`segments: unknown field ${l.field}`);
    if (spec.kind === 'tags') return this.tags(l);
    if (spec.kind === 'tier') return this.tierLeaf(l);
    if (spec.kind === 'json') return this.json(l, this.expr(l.field));
    return this.scalar(l, spec, this.expr(l.field, l.days));
  }

  private scalar(l: Leaf, spec: FieldSpec, e: string): string {
    const cast = CAST[spec.kind]!;
    const v = l.value;
    const one = (x: unknown) =>
      spec.kind === 'instant' ? this.when(x as When, 'timestamptz') : spec.kind === 'date' ? this.when(x as When, 'date') : this.add(x, cast);
    // Text compares case-insensitively: `GB` = `gb`, `Web` = `web`.
    const text = spec.kind === 'text';
    const lhs = text ? `lower(${e})` : e;
    const lower = (x: unknown) => (text ? String(x).toLowerCase() : x);
    switch (l.op) {
      case 'exists':
        return v === false ? `(${e} is null)` : `(${e} is not null)`;
      case 'eq':
        return yes(`${lhs} = ${one(lower(v))}`);
      case 'neq':
        return no(`${lhs} = ${one(lower(v))}`);
      case 'in':
      case 'not_in': {
        const arr = this.add(pgArray((v as (string | number)[]).map((x) => lower(x) as string | number)), `${cast}[]`);
        return (l.op === 'in' ? yes : no)(`${lhs} = any(${arr})`);
      }
      case 'between': {
        const [a, b] = v as [unknown, unknown];
        return yes(`${e} between symmetric ${one(a)} and ${one(b)}`);
      }
      case 'contains':
        return yes(`strpos(lower(${e}), lower(${this.add(v, 'text')})) > 0`);
      default:
        if (!isCmp(l.op)) throw new Error(`segments: op ${l.op} on ${l.field}`);
        return yes(`${e} ${CMP[l.op]} ${one(v)}`);
    }
  }

  private tags(l: Leaf): string {
    const v = l.value;
    const arr = (x: unknown) => this.add(pgArray(Array.isArray(x) ? (x as string[]) : [x as string]), 'text[]');
    switch (l.op) {
      case 'exists':
        return v === false ? 'cardinality(m.tags) = 0' : 'cardinality(m.tags) > 0';
      case 'eq':
      case 'contains':
        return `(m.tags @> ${arr(v)})`;
      case 'neq':
        return `(not (m.tags @> ${arr(v)}))`;
      case 'in':
        return `(m.tags && ${arr(v)})`;
      case 'not_in':
        return `(not (m.tags && ${arr(v)}))`;
      default:
        throw new Error(`segments: op ${l.op} on tags`);
    }
  }

  private tierLeaf(l: Leaf): string {
    this.expr('tier');
    const v = l.value;
    const ref = (alias: string, p: string) => `(${alias}.id = ${p} or lower(${alias}.name) = lower(${p}))`;
    switch (l.op) {
      case 'exists':
        return v === false ? '(tl.id is null)' : '(tl.id is not null)';
      case 'eq':
        return yes(ref('tl', this.add(v, 'text')));
      case 'neq':
        return no(ref('tl', this.add(v, 'text')));
      case 'in':
      case 'not_in': {
        const names = v as string[];
        const ids = this.add(pgArray(names), 'text[]');
        const lowers = this.add(pgArray(names.map((n) => n.toLowerCase())), 'text[]');
        return (l.op === 'in' ? yes : no)(`(tl.id = any(${ids}) or lower(tl.name) = any(${lowers}))`);
      }
      default: {
        if (!isCmp(l.op)) throw new Error(`segments: op ${l.op} on tier`);
        // Levels are ordered by their thresholds.
        const p = this.add(v, 'text');
        return yes(
          `tl.threshold ${CMP[l.op]} (select x.threshold from tier_levels x where x.program_id = m.program_id and ${ref('x', p)} limit 1)`,
        );
      }
    }
  }

  private json(l: Leaf, x: string): string {
    const v = l.value;
    const j = (val: unknown) => this.add(JSON.stringify(val), 'text::jsonb');
    const typed = (val: unknown, body: (p: string) => string) =>
      typeof val === 'number'
        ? `case when jsonb_typeof(${x}) = 'number' then ${body(`(${x})::numeric`)} end`
        : `case when jsonb_typeof(${x}) = 'string' then ${body(`(${x} #>> '{}')`)} end`;
    switch (l.op) {
      case 'exists':
        return v === false ? `(${x} is null or jsonb_typeof(${x}) = 'null')` : `(${x} is not null and jsonb_typeof(${x}) <> 'null')`;
      // Containment: a scalar equals the value; a list holds it.
      case 'eq':
        return yes(`${x} @> ${j(v)}`);
      case 'neq':
        return no(`${x} @> ${j(v)}`);
      case 'in':
      case 'not_in': {
        const arr = this.add(pgArray((v as unknown[]).map((e) => JSON.stringify(e))), 'text[]::jsonb[]');
        return (l.op === 'in' ? yes : no)(`${x} @> any(${arr})`);
      }
      case 'between': {
        const [a, b] = v as [number, number] | [string, string];
        const cast = typeof a === 'number' ? 'numeric' : 'text';
        return yes(typed(a, (e) => `${e} between symmetric ${this.add(a, cast)} and ${this.add(b, cast)}`));
      }
      case 'contains':
        return typeof v === 'number'
          ? yes(`jsonb_typeof(${x}) = 'array' and ${x} @> ${j([v])}`)
          : yes(
              `case jsonb_typeof(${x}) when 'string' then strpos(lower(${x} #>> '{}'), lower(${this.add(v, 'text')})) > 0 ` +
                `when 'array' then ${x} @> ${j([v])} end`,
            );
      default:
        if (!isCmp(l.op)) throw new Error(`segments: op ${l.op} on ${l.field}`);
        return yes(typed(v, (e) => `${e} ${CMP[l.op as keyof typeof CMP]} ${this.add(v, typeof v === 'number' ? 'numeric' : 'text')}`));
    }
  }

  joins(): string {
    const out: string[] = [];
    // The program's current scores only: a job's rows are read once the job has made them current.
    if (this.usesScores) {
      out.push(
        'left join member_scores_current sc on sc.program_id = m.program_id',
        'left join member_scores s on s.program_id = m.program_id and s.job_id = sc.job_id and s.member_id = m.id',
      );
    }
    if (this.tier) {
      // No tier row yet: the member is in the level with threshold 0, if the program has one (as the tiers module reads it).
      out.push(
        'left join member_tiers mt on mt.program_id = m.program_id and mt.member_id = m.id',
        'left join tier_levels tl on tl.program_id = m.program_id and ' +
          '(case when mt.member_id is null then tl.threshold = 0 else tl.id = mt.level_id end)',
      );
    }
    for (const [currency, alias] of this.balances) {
      const c = this.add(currency, 'text');
      out.push(`left join accounts ${alias} on ${alias}.program_id = m.program_id and ${alias}.owner = m.id and ${alias}.kind = 'available' and ${alias}.currency = ${c}`);
    }
    if (this.orders) {
      const columns = this.lifetime
        ? [
            'max(o.occurred_at) as last_purchase_at',
            'min(o.occurred_at) as first_purchase_at',
            'count(*)::bigint as orders_count',
            'coalesce(sum(o.amount - o.refunded_amount), 0)::bigint as total_spent',
          ]
        : [];
      for (const [days, since] of this.windows) {
        columns.push(
          `count(*) filter (where o.occurred_at >= ${since})::bigint as orders_count_${days}`,
          `coalesce(sum(o.amount - o.refunded_amount) filter (where o.occurred_at >= ${since}), 0)::bigint as total_spent_${days}`,
        );
      }
      // Only windows asked for: read only the orders of the longest one (the index is by member, then time).
      const longest = Math.max(...this.windows.keys());
      const from = this.lifetime ? '' : ` and o.occurred_at >= ${this.windows.get(longest)!}`;
      out.push(
        `left join lateral (select ${columns.join(', ')} from orders o ` +
          `where o.program_id = m.program_id and o.member_id = m.id and o.occurred_at <= ${this.nowP()}${from}) act on true`,
      );
    }
    return out.join('\n');
  }
}

/** The leaves of a tree, in order. */
export function leavesOf(c: Condition, out: Leaf[] = []): Leaf[] {
  if ('all' in c) c.all.forEach((x) => leavesOf(x, out));
  else if ('any' in c) c.any.forEach((x) => leavesOf(x, out));
  else if ('not' in c) leavesOf(c.not, out);
  else out.push(c);
  return out;
}

/** The value keys a tree's member lists show, in order of first use. */
export function fieldsOf(c: Condition): string[] {
  return [...new Set(leavesOf(c).map(valueKey))];
}

export function compileSegment(programId: string, tree: Condition, now: Date): CompiledSegment {
  const b = new Builder(programId, now);
  const predicate = b.node(tree);
  const seen = new Set<string>();
  const columns: { key: string; sql: string }[] = [];
  for (const l of leavesOf(tree)) {
    const key = valueKey(l);
    if (seen.has(key)) continue;
    seen.add(key);
    columns.push({ key, sql: b.column(l) });
  }
  const joins = b.joins();
  return {
    from: `members m${joins ? `\n${joins}` : ''}`,
    where: `m.program_id = $1::text and m.status <> 'erased' and ${predicate}`,
    params: b.params,
    columns,
    usesScores: b.usesScores,
  };
}
