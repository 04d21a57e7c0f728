import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { Services } from '../main.js';
import { AppError, isAppError } from '../platform/errors.js';
import {
  createImportsService,
  describeIdentity,
  parseIdentity,
  parseMapSpec,
  presetNamed,
  PRESETS,
  type Format,
  type IdentityKind,
  type ImportKind,
  type ImportProgress,
  type ImportSummary,
  type Mapping,
} from '../modules/imports/index.js';
import { withServices } from './context.js';
import { out, printJson, progress } from './output.js';

/** An option value parsed by the module, a bad one being a command-line error (exit 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (isAppError(e)) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

const parseBatch = (raw: string) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 1000) throw new InvalidArgumentError('a batch is 1 to 1000 events');
  return n;
};

/** Where the rejects go when --rejects is not given: `<file name>.rejects.csv` in the current directory. */
export function defaultRejectsFile(file: string): string {
  const stem = basename(file).replace(/\.gz$/i, '').replace(/\.(csv|tsv|txt|jsonl|ndjson|json)$/i, '');
  return resolve(`${stem}.rejects.csv`);
}

const n = (x: number) => x.toLocaleString('en-GB');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;
const byKey = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');

/**
 * Progress on stderr: a bar on a terminal, else a plain line every few seconds (logs, CI), so stdout keeps
 * only the summary (and `--json` stays parseable).
 */
export function progressReporter(what: ImportKind, file: string) {
  const unit = what === 'events' ? 'events' : 'members';
  const started = Date.now();
  const rate = (p: ImportProgress) => Math.round((p.imported + p.duplicates) / Math.max(0.001, (Date.now() - started) / 1000));
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `{bar} {percentage}% | {read} lines | {imported} ${unit} imported, {duplicates} already there, {rejected} rejected | {rate}/s | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      onProgress(p: ImportProgress) {
        const payload = { read: n(p.read), imported: n(p.imported), duplicates: n(p.duplicates), rejected: n(p.rejected), rate: n(rate(p)) };
        if (!begun) {
          begun = true;
          bar.start(p.size, 0, payload);
        }
        bar.update(Math.min(p.bytes, p.size), payload);
      },
      done() {
        if (begun) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    onProgress(p: ImportProgress) {
      const now = Date.now();
      if (now - last < 5_000) return;
      last = now;
      const pct = p.size > 0 ? Math.floor((100 * Math.min(p.bytes, p.size)) / p.size) : 100;
      progress(
        `import: ${pct}% of ${basename(file)}, ${plural(p.read, 'line')} read, ${n(p.imported)} ${unit} imported, ` +
          `${n(p.duplicates)} already there, ${n(p.skipped)} skipped, ${n(p.rejected)} rejected (${n(rate(p))} ${unit}/s)`,
      );
    },
    done() {},
  };
}

/** The summary as people read it. */
export function printSummary(s: ImportSummary): void {
  const unit = s.kind === 'events' ? 'event' : 'member';
  const rules = s.kind === 'events' ? (s.rules ? 'rules applied' : 'history only: --no-rules, nothing earned') : undefined;
  out(`Imported ${s.kind} from ${s.file} into program ${s.program_id}${s.preset ? ` (preset ${s.preset}${rules ? `; ${rules}` : ''})` : rules ? ` (${rules})` : ''}.`);
  const types = s.by_type
    ? Object.entries(s.by_type)
        .filter(([, v]) => v.imported > 0)
        .map(([k, v]) => `${k} ${n(v.imported)}`)
        .join(', ')
    : '';
  out(`  read        ${plural(s.read, s.format === 'csv' ? 'line' : 'record')}`);
  out(`  imported    ${plural(s.imported, unit)}${types ? ` (${types})` : ''}`);
  if (s.guests !== undefined) out(`  guests      ${plural(s.guests, 'guest purchase')} among them (no member: recorded, nothing earned)`);
  out(`  duplicates  ${plural(s.duplicates, unit)} already there, left as they were`);
  out(`  skipped     ${plural(s.skipped.total, 'line')}${s.skipped.total ? ` (${byKey(s.skipped.by_reason)})` : ''}`);
  out(`  rejected    ${n(s.rejected.total)}${s.rejected.total ? ` (${byKey(s.rejected.by_code)})` : ''}`);
  out(`  rejects in  ${s.rejects_file}${s.rejected.total ? '' : ' (none)'}`);
  // The rate of what this run wrote: a re-run that finds everything already there wrote nothing.
  const rate = s.imported === 0 ? 'nothing new' : `${n(s.seconds > 0 ? Math.round(s.imported / s.seconds) : s.imported)} new ${unit}s/s`;
  out(`  time        ${s.seconds.toFixed(1)} s (${rate})`);
}

interface CommonOpts {
  program?: string;
  preset?: string;
  map?: Mapping;
  identity?: IdentityKind;
  timeZone?: string;
  format?: Format;
  rejects?: string;
  json?: boolean;
}

interface EventsOpts extends CommonOpts {
  rules: boolean;
  type?: string;
  channel?: string;
  minorUnits?: boolean;
  batch?: number;
}

/** The preset's mapping with --map's fields laid over it. */
function mappingOf(kind: ImportKind, opts: CommonOpts): Mapping | undefined {
  if (!opts.map) return undefined;
  if (!opts.preset) return opts.map;
  const p = presetNamed(opts.preset);
  return new Map([...Object.entries(kind === 'events' ? p.events.map : p.members.map), ...opts.map]);
}

function common(cmd: Command, kind: ImportKind): Command {
  return cmd
    .argument('<file>', 'a CSV or JSON Lines file, gzipped or not (.csv, .jsonl, .csv.gz, …)')
    .option('--program <id>', 'the program (prg_…); default: the only one there is')
    .option('--preset <name>', `a named mapping: ${Object.keys(PRESETS).join(', ')}`, (v) => usage(() => presetNamed(v)).name)
    .option('--map <fields>', 'field=Column pairs, comma-separated (laid over the preset’s, if any)', (v) => usage(() => parseMapSpec(v, kind)))
    .option('--identity <kind>', 'what `member=` values are: email, phone, card_number, id or external:<channel> (default external:import)', (v) =>
      usage(() => parseIdentity(v)),
    )
    .option('--time-zone <zone>', 'IANA zone of dates written without an offset (default UTC; the preset’s if any)')
    .addOption(new Option('--format <format>', 'csv or jsonl (default: from the file name)').choices(['csv', 'jsonl']))
    .option('--rejects <file>', 'where to write the refused lines with their errors (.csv, or .jsonl); default <name>.rejects.csv in the current directory')
    .option('--json', 'print the summary as JSON on stdout');
}

async function runImport(kind: ImportKind, file: string, opts: EventsOpts | CommonOpts, services: Services): Promise<void> {
  const imports = createImportsService(services);
  if (!existsSync(file)) throw new AppError('not_found', 'import.file_not_found', `Cannot read ${file}: no such file`, { field: 'file' });
  const program = await imports.programFor(opts.program);
  const rejectsFile = resolve(opts.rejects ?? defaultRejectsFile(file));
  if (kind === 'events' && !program.settings.auto_enrol) {
    progress(
      `Note: auto_enrol is off in program ${program.id}: events that name a member nobody has are rejected (member.not_found). ` +
        'Import the members first (patron import members), or turn auto_enrol on.',
    );
  }
  const identity = opts.identity ?? (opts.preset ? presetNamed(opts.preset).identity : undefined);
  progress(
    `Importing ${kind} from ${file} into program ${program.id}${opts.preset ? ` with preset ${opts.preset}` : ''}` +
      `${identity ? `; members named by ${describeIdentity(identity)}` : ''}; rejects go to ${rejectsFile}`,
  );
  const reporter = progressReporter(kind, file);
  const input = {
    file: resolve(file),
    format: opts.format,
    program,
    preset: opts.preset,
    map: mappingOf(kind, opts),
    identity: opts.identity,
    zone: opts.timeZone,
    rejectsFile,
    onProgress: reporter.onProgress,
  };
  let summary: ImportSummary;
  try {
    if (kind === 'events') {
      const e = opts as EventsOpts;
      summary = await imports.importEvents({ ...input, earn: e.rules, type: e.type, channel: e.channel, minorUnits: e.minorUnits, batchSize: e.batch });
    } else {
      summary = await imports.importMembers(input);
    }
  } finally {
    reporter.done();
  }
  // The run is one audit entry, by the system (the CLI), with its summary; the file by its name only.
  const after = { ...summary, file: basename(summary.file), rejects_file: basename(summary.rejects_file) };
  await services.audit.record(services.db, {
    workspaceId: program.workspace_id,
    programId: program.id,
    actor: { kind: 'system', id: 'cli', label: 'cli' },
    action: `import.${kind}`,
    target: { type: 'import', id: after.file },
    after,
  });
  if (opts.json) printJson(summary);
  else printSummary(summary);
}

export function importCommand(): Command {
  const cmd = new Command('import').description('Import members or events from CSV or JSON Lines files (gzip too)');

  common(cmd.command('events'), 'events')
    .description('Import events (purchases, refunds, custom events) through the same rules as live ones')
    .option('--no-rules', 'record the history (events, orders) without earning points or running tiers and other hooks')
    .option('--type <type>', 'the event type of rows when no column gives it (default purchase)')
    .option('--channel <channel>', 'the channel of rows when no column gives it (web, pos, …)')
    .option('--minor-units', 'money columns hold whole minor units (pence), not decimals in pounds')
    .option('--batch <n>', 'events per database transaction (default 500)', parseBatch)
    .addHelpText(
      'after',
      [
        '',
        'Fields for --map: id, type, member (see --identity), member.email|phone|card_number|id|external_id, order_id, amount,',
        'currency, channel, store_id, occurred_at, reason, sku, name, category, quantity, unit_price, properties.<key>.',
        'Rows with sku are order lines: the rows of one order_id make one purchase. Money is read as decimals ("2.55").',
        'A JSON Lines file without --map holds events exactly as POST /v1/events takes them.',
        'Re-running an import changes nothing: events are found by their id (answered as duplicates).',
        'Preset online-retail: each invoice is a purchase of its lines; a C… invoice is a return, matched to the',
        "customer's earlier purchases of the same stock codes (most recent first). Rows without a CustomerID are guest",
        'purchases (recorded with no member, nothing earned); guest returns name no invoice and are skipped.',
        'Any file: an empty member column makes a guest purchase; channel and store_id columns are read when present.',
      ].join('\n'),
    )
    .action((file: string, opts: EventsOpts) => withServices('import events', ({ services }) => runImport('events', file, opts, services)));

  common(cmd.command('members'), 'members')
    .description('Enrol members; one already there (by any of its identities) is left as it is')
    .addHelpText(
      'after',
      [
        '',
        'Fields for --map: member (see --identity), email, phone, card_number, external_ids.<channel>, first_name, last_name,',
        'birthdate, locale, time_zone, country, tags (separated by ; or |), enrolment_channel, enrolled_at,',
        'consent.email|sms|push, attributes.<key>. A JSON Lines file without --map holds members as POST /v1/members takes them.',
      ].join('\n'),
    )
    .action((file: string, opts: CommonOpts) => withServices('import members', ({ services }) => runImport('members', file, opts, services)));

  return cmd;
}
