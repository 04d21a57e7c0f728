import { Command, InvalidArgumentError } from 'commander';
import type { Condition, Segment } from '../modules/analytics/segments.contract.js';
import { programOf, withServices } from './context.js';
import { out, printJson, printTable, shortTime } from './output.js';

interface Common {
  program?: string;
  json?: boolean;
}

/** A value in a table cell: lists joined by commas, times to the second. */
function show(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return v.join(',');
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT/.test(v) ? shortTime(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A condition tree as indented lines: `all of:`, `any of:`, `not:`, then `field op value`. */
export function describeConditions(c: Condition, indent = ''): string[] {
  const inner = `${indent}  `;
  if ('all' in c) return [`${indent}all of:`, ...c.all.flatMap((x) => describeConditions(x, inner))];
  if ('any' in c) return [`${indent}any of:`, ...c.any.flatMap((x) => describeConditions(x, inner))];
  if ('not' in c) return [`${indent}not:`, ...describeConditions(c.not, inner)];
  const one = (v: unknown) =>
    typeof v === 'object' && v !== null && 'days_ago' in v ? `${String(v.days_ago)} days ago` : JSON.stringify(v);
  const value = c.value === undefined ? '' : ` ${Array.isArray(c.value) ? `[${c.value.map(one).join(', ')}]` : one(c.value)}`;
  return [`${indent}${c.field} ${c.op}${value}${c.days !== undefined ? ` (last ${c.days} days)` : ''}`];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function positive(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
}

const withCommon = (cmd: Command) =>
  cmd.option('--program <id>', 'the program (prg_…); default: the only one there is').option('--json', 'print the result as JSON');

/** Adds `segments list | show <id> | members <id>` to the `analytics` command. */
export function registerSegmentsCommands(analytics: Command): Command {
  const segments = analytics.command('segments').description('Saved segments: their size, definition and members now');

  withCommon(segments.command('list').description('The program’s segments with their size now')).action(async (o: Common) => {
    await withServices('analytics segments', async ({ services }) => {
      const program = await programOf(services, o.program);
      const all: Segment[] = [];
      let cursor: string | undefined;
      do {
        const page = await services.segments.list(program, { limit: 200, cursor });
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      if (o.json) return printJson({ data: all });
      if (!all.length) return out(`Program ${program.id} has no segments yet.`);
      printTable(
        ['id', 'name', 'size', 'fields', 'updated'],
        all.map((s) => [s.id, s.name, String(s.size), s.fields.join(','), shortTime(s.updated_at)]),
      );
      out('');
      out(`${plural(all.length, 'segment')}, sizes counted at ${shortTime(all[0]!.counted_at)}.`);
    });
  });

  withCommon(segments.command('show').description('A segment’s definition and size').argument('<segment_id>', 'the segment (seg_…)')).action(
    async (id: string, o: Common) => {
      await withServices('analytics segments', async ({ services }) => {
        const program = await programOf(services, o.program);
        const s = await services.segments.get(program, id);
        if (o.json) return printJson(s);
        out(`Segment "${s.name}" (${s.id})`);
        if (s.description) out(`  ${s.description}`);
        out(`  size     ${plural(s.size, 'member')} (counted ${shortTime(s.counted_at)})`);
        if (s.scores) {
          out(
            s.scores.computed_at
              ? `  scores   computed ${shortTime(s.scores.computed_at)} (data up to ${shortTime(s.scores.as_of)})`
              : '  scores   never computed: run `patron analytics clv` or the RFM scoring first',
          );
        }
        out(`  created  ${shortTime(s.created_at)}, updated ${shortTime(s.updated_at)}`);
        out('');
        out('Conditions:');
        for (const line of describeConditions(s.conditions, '  ')) out(line);
      });
    },
  );

  withCommon(
    segments
      .command('members')
      .description('The segment’s members now, by id, with the fields it uses')
      .argument('<segment_id>', 'the segment (seg_…)')
      .option('--limit <n>', 'members per page (1–1000)', positive, 50)
      .option('--cursor <cursor>', 'continue after the previous page'),
  ).action(async (id: string, o: Common & { limit: number; cursor?: string }) => {
    await withServices('analytics segments', async ({ services }) => {
      const program = await programOf(services, o.program);
      const page = await services.segments.members(services.db, program.id, id, { limit: o.limit, cursor: o.cursor });
      if (o.json) return printJson(page);
      if (!page.data.length) return out(o.cursor ? 'No more members.' : 'The segment has no members now.');
      printTable(
        ['member', 'name', ...page.fields],
        page.data.map((m) => [m.id, m.name ?? undefined, ...page.fields.map((f) => show(m.values[f]))]),
      );
      out('');
      out(
        page.next_cursor
          ? `${plural(page.data.length, 'member')} shown; more with --cursor ${page.next_cursor}`
          : `${plural(page.data.length, 'member')} shown; that is all.`,
      );
    });
  });

  return segments;
}
