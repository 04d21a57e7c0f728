import { Command, InvalidArgumentError } from 'commander';
import { programOf, withServices } from './context.js';
import { out, printJson, printTable, progress } from './output.js';
import { AppError } from '../platform/errors.js';
import { ClvInput } from '../modules/analytics/analytics.contract.js';
import { registerSegmentsCommands } from './analytics.segments.js';

interface Common {
  program?: string;
  json?: boolean;
}

const pct = (v: number | null | undefined) => (v == null ? '-' : `${(v * 100).toFixed(1)}%`);
const int = (v: number | null | undefined) => (v == null ? '-' : v.toLocaleString('en-GB'));

/** Minor units as the program's money, e.g. 123456 GBP → £1,234.56. */
function moneyOf(currency: string) {
  const f = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return (minor: number | null | undefined) => (minor == null ? '-' : f.format(minor / 10 ** digits));
}

function withCommon(cmd: Command): Command {
  return cmd.option('--program <id>', 'the program (prg_…); default: the only one there is').option('--json', 'print the full result as JSON');
}

// Option values are checked as commander reads them: a bad one is a usage error (exit 2) in one line,
// `error: option '--model <m>' argument 'foo' is invalid. bgnbd or paretonbd`.

/** A date (YYYY-MM-DD, UTC midnight) or an ISO time with its offset, as the API takes them. */
function date(raw: string): string {
  if (!ClvInput.shape.as_of.safeParse(raw).success) throw new InvalidArgumentError('a date YYYY-MM-DD or an ISO time with its offset, e.g. 2026-01-31T12:00:00Z');
  return raw;
}

function oneOf<T extends string>(...values: T[]) {
  return (raw: string): T => {
    if (!(values as string[]).includes(raw)) throw new InvalidArgumentError(values.join(' or '));
    return raw as T;
  };
}

function wholeNumber(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}

function rate(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('a rate from 0 to 1, e.g. 0.1 for 10 %');
  return n;
}

function rangeOptions(cmd: Command): Command {
  return cmd
    .option('--from <date>', 'start (YYYY-MM-DD or ISO time); default: 12 months before --to', date)
    .option('--to <date>', 'end, exclusive; default: now', date)
    .option('--period <p>', 'month or week', oneOf('month', 'week'), 'month' as const);
}

export function analyticsCommand(): Command {
  const cmd = new Command('analytics').description('Program KPIs, RFM segments, cohorts, churn risk and lifetime value, saved segments');

  withCommon(rangeOptions(cmd.command('kpis').description('Members, participation, transaction values, repeat purchase, retention and points, per period'))).action(
    async (o: Common & { from?: string; to?: string; period: 'month' | 'week' }) => {
      await withServices('analytics', async ({ services }) => {
        const program = await programOf(services, o.program);
        const k = await services.analytics.kpis(program.id, { from: o.from, to: o.to, period: o.period });
        if (o.json) return printJson(k);
        const money = moneyOf(program.currency);
        out(`${program.name}: ${k.from.slice(0, 10)} to ${k.to.slice(0, 10)}`);
        out();
        printTable(
          ['figure', 'value'],
          [
            ['members', int(k.members.total)],
            ['new members', int(k.members.new)],
            ['active members', int(k.members.active)],
            ['buying members', int(k.members.buyers)],
            ['orders (members / guests)', `${int(k.purchases.member_orders)} / ${int(k.purchases.guest_orders)}`],
            ['participation (orders)', pct(k.purchases.participation_rate)],
            ['participation (revenue)', pct(k.purchases.revenue_participation_rate)],
            ['revenue (members / guests)', `${money(k.purchases.member_revenue)} / ${money(k.purchases.guest_revenue)}`],
            ['avg transaction (members / guests)', `${money(k.purchases.average_transaction_value.members)} / ${money(k.purchases.average_transaction_value.guests)}`],
            ['orders per buyer', k.purchases.purchase_frequency == null ? '-' : String(k.purchases.purchase_frequency)],
            ['repeat-purchase rate', pct(k.purchases.repeat_purchase_rate)],
            [`retention (${k.period} to ${k.period})`, pct(k.retention.retention_rate)],
            ['churn', pct(k.retention.churn_rate)],
            ...k.points.flatMap((p) => [
              [`${p.currency} issued / redeemed / expired`, `${int(p.issued)} / ${int(p.redeemed)} / ${int(p.expired)}`],
              [`${p.currency} outstanding`, int(p.outstanding)],
              [`${p.currency} redemption / breakage`, `${pct(p.redemption_rate)} / ${pct(p.breakage_rate)}`],
            ]),
          ],
        );
        out();
        printTable(
          [k.period, 'new', 'buyers', 'orders', 'guests', 'revenue', 'participation', 'repeat', 'retention'],
          k.series.map((r) => [
            r.period,
            int(r.new_members),
            int(r.buyers),
            int(r.member_orders),
            int(r.guest_orders),
            money(r.member_revenue),
            pct(r.participation_rate),
            pct(r.repeat_purchase_rate),
            pct(r.retention_rate),
          ]),
        );
      });
    },
  );

  withCommon(
    cmd
      .command('rfm')
      .description('RFM segments: members per segment with their average recency, frequency and spend')
      .option('--as-of <date>', 'score purchases before this; default: now', date)
      .option('--since <date>', 'only purchases from this date', date),
  ).action(async (o: Common & { asOf?: string; since?: string }) => {
    await withServices('analytics', async ({ services }) => {
      const program = await programOf(services, o.program);
      const r = await services.analytics.rfm(program.id, { as_of: o.asOf, since: o.since });
      if (o.json) return printJson(r);
      const money = moneyOf(program.currency);
      out(`${program.name}: ${int(r.members_scored)} buyers scored as of ${r.as_of.slice(0, 10)}`);
      out();
      printTable(
        ['segment', 'members', 'share', 'recency (days)', 'orders', 'avg spend', 'revenue'],
        r.segments.map((s) => [s.segment, int(s.members), pct(s.share), int(s.average_recency_days), s.average_frequency == null ? '-' : String(s.average_frequency), money(s.average_monetary), money(s.revenue)]),
      );
    });
  });

  withCommon(
    rangeOptions(cmd.command('cohorts').description('Retention of monthly (or weekly) cohorts: the share of each cohort that bought in each period since'))
      .option('--by <what>', 'first_purchase or enrolment', oneOf('first_purchase', 'enrolment'), 'first_purchase' as const),
  ).action(async (o: Common & { from?: string; to?: string; period: 'month' | 'week'; by: 'first_purchase' | 'enrolment' }) => {
    await withServices('analytics', async ({ services }) => {
      const program = await programOf(services, o.program);
      const c = await services.analytics.cohorts(program.id, { from: o.from, to: o.to, period: o.period, by: o.by });
      if (o.json) return printJson(c);
      const width = Math.max(0, ...c.cohorts.flatMap((h) => h.periods.map((p) => p.k + 1)));
      const cols = Array.from({ length: Math.min(width, 13) }, (_, k) => String(k));
      out(`Cohorts by ${o.by === 'enrolment' ? 'enrolment' : 'first purchase'} ${c.period}; each cell: share of the cohort buying in that ${c.period} since`);
      out();
      printTable(
        ['cohort', 'size', ...cols],
        c.cohorts.map((h) => [h.cohort, int(h.size), ...cols.map((k) => pct(h.periods.find((p) => p.k === Number(k))?.retention))]),
      );
    });
  });

  withCommon(
    cmd
      .command('clv')
      .description('Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma on the purchases, score every member: P(alive), expected purchases, CLV, churn risk')
      .option('--as-of <date>', 'end of the data; default: the start of today (UTC)', date)
      .option('--since <date>', 'only members whose first purchase is on or after this', date)
      .option('--model <m>', 'bgnbd or paretonbd', oneOf('bgnbd', 'paretonbd'), 'bgnbd' as const)
      .option('--horizon <months>', 'months ahead (1 to 120)', wholeNumber(1, 120), 12)
      .option('--discount <rate>', 'annual discount rate (0 to 1)', rate, 0.1)
      .option('--refresh', 'fit again even when a result for the same inputs exists')
      .option('--top <n>', 'members to list, highest CLV first (0 to 1000)', wholeNumber(0, 1000), 10),
  ).action(async (o: Common & { asOf?: string; since?: string; model: 'bgnbd' | 'paretonbd'; horizon: number; discount: number; refresh?: boolean; top: number }) => {
    await withServices('analytics', async ({ services }) => {
      const program = await programOf(services, o.program);
      const job = await services.analyticsJobs.clv(
        program.id,
        { as_of: o.asOf, since: o.since, model: o.model, horizon_months: o.horizon, annual_discount_rate: o.discount, refresh: !!o.refresh },
        // Said only when a fit runs (or another process's is awaited), not for a cached answer.
        { wait: true, onFit: () => progress('Fitting the models and scoring members…') },
      );
      if (job.status === 'failed') throw new AppError('unprocessable', job.error!.code, job.error!.message);
      const r = job.result as {
        members_scored: number;
        repeat_buyers: number;
        purchase_model: { params: Record<string, number>; log_likelihood: number };
        spend_model: { params: Record<string, number>; population_mean_spend: number };
        expected_purchases: number;
        clv: number;
        churn_risk: { band: string; members: number; clv: number }[];
        horizon_months: number;
      };
      const top = await services.db.query<{ member_id: string; p_alive: number; expected_purchases: number; clv: number; churn_risk: string; rfm_segment: string }>(
        `select member_id, p_alive, expected_purchases, clv, churn_risk, rfm_segment from member_scores where program_id = $1 and job_id = $2 order by clv desc, member_id limit $3`,
        [program.id, job.id, o.top],
      );
      if (o.json) return printJson({ job, top });
      const money = moneyOf(program.currency);
      const ORDER = ['r', 'alpha', 'a', 'b', 's', 'beta', 'p', 'q', 'gamma'];
      const fmt = (p: Record<string, number>) =>
        Object.entries(p)
          .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b))
          .map(([k, v]) => `${k}=${v.toPrecision(4)}`)
          .join(' ');
      const spendScale = 10 ** (new Intl.NumberFormat('en-GB', { style: 'currency', currency: program.currency }).resolvedOptions().maximumFractionDigits ?? 2);
      out(`${job.cached ? 'Cached result' : 'Fitted'} ${job.finished_at?.slice(0, 19)}Z (job ${job.id}) on the purchases before ${String(job.params.as_of).slice(0, 10)}`);
      out(
        job.current
          ? '  these are the program’s current scores (segments and member figures use them)'
          : '  kept as this job’s own result; the program’s current scores are another fit’s (GET /v1/analytics/clv?job=' + job.id + ' lists these)',
      );
      out(`  purchase model ${String(job.params.model)}: ${fmt(r.purchase_model.params)} (log-likelihood ${r.purchase_model.log_likelihood.toFixed(1)})`);
      const gg = r.spend_model.params;
      out(`  spend model gamma-gamma: ${fmt({ ...gg, gamma: gg.gamma! / spendScale })} (gamma in ${program.currency}); mean spend ${money(r.spend_model.population_mean_spend)}`);
      out(`  ${int(r.members_scored)} buyers scored (${int(r.repeat_buyers)} repeat buyers); next ${r.horizon_months} months: ${int(Math.round(r.expected_purchases))} purchases, CLV ${money(r.clv)}`);
      out();
      printTable(
        ['churn risk', 'members', 'clv'],
        r.churn_risk.map((b) => [b.band, int(b.members), money(b.clv)]),
      );
      out();
      printTable(
        ['member', 'segment', 'p(alive)', 'expected', 'clv', 'risk'],
        top.map((t) => [t.member_id, t.rfm_segment, t.p_alive.toFixed(3), t.expected_purchases.toFixed(2), money(t.clv), t.churn_risk]),
      );
    });
  });

  registerSegmentsCommands(cmd);
  return cmd;
}
