import { pgArray, type Queryable } from '../../platform/db.js';
import type { JourneyDefinition, JourneyStatus } from './journeys.contract.js';

export interface JourneyRow {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface RunRow {
  program_id: string;
  id: string;
  journey_id: string;
  version: number;
  member_id: string;
  holdout: boolean;
  status: 'active' | 'waiting' | 'completed' | 'exited';
  step: string | null;
  visits: number;
  due_at: Date | null;
  waiting_for: string | null;
  entered_at: Date;
  trigger_ref: string | null;
  goal_until: Date | null;
  converted_at: Date | null;
  conversion_ref: string | null;
  ended_at: Date | null;
  end_reason: string | null;
}

const RUN_COLUMNS = `program_id, id, journey_id, version, member_id, holdout, status, step, visits, due_at, waiting_for, entered_at,
                     trigger_ref, goal_until, converted_at, conversion_ref, ended_at, end_reason`;

/** SQL of the journeys module, and nothing else. */
export const journeysRepo = {
  async insertJourney(q: Queryable, programId: string, j: { id: string; name: string; definition: JourneyDefinition; by: string | null; now: Date }) {
    await q.query(
      `insert into journeys (program_id, id, name, status, version, created_at, updated_at) values ($1, $2, $3, 'draft', 1, $4, $4)`,
      [programId, j.id, j.name, j.now],
    );
    await q.query(
      `insert into journey_versions (program_id, journey_id, version, definition, created_at, created_by) values ($1, $2, 1, $3::text::jsonb, $4, $5)`,
      [programId, j.id, JSON.stringify(j.definition), j.now, j.by],
    );
  },

  async get(q: Queryable, programId: string, id: string, lock = false) {
    const [row] = await q.query<JourneyRow>(
      `select id, name, status, version, created_at, updated_at from journeys where program_id = $1 and id = $2${lock ? ' for update' : ''}`,
      [programId, id],
    );
    return row;
  },

  async list(q: Queryable, programId: string, f: { status?: JourneyStatus; afterId?: string; limit: number }) {
    const params: unknown[] = [programId];
    const where = ['program_id = $1'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.afterId) where.push(`id < $${params.push(f.afterId)}`);
    return q.query<JourneyRow>(
      `select id, name, status, version, created_at, updated_at from journeys where ${where.join(' and ')} order by id desc limit $${params.push(f.limit)}`,
      params,
    );
  },

  async versions(q: Queryable, programId: string, id: string) {
    return q.query<{ version: number; definition: JourneyDefinition; created_at: Date; created_by: string | null }>(
      `select version, definition, created_at, created_by from journey_versions where program_id = $1 and journey_id = $2 order by version`,
      [programId, id],
    );
  },

  async definition(q: Queryable, programId: string, id: string, version: number) {
    const [row] = await q.query<{ definition: JourneyDefinition }>(
      `select definition from journey_versions where program_id = $1 and journey_id = $2 and version = $3`,
      [programId, id, version],
    );
    return row?.definition;
  },

  async addVersion(q: Queryable, programId: string, id: string, version: number, definition: JourneyDefinition, by: string | null, now: Date) {
    await q.query(
      `insert into journey_versions (program_id, journey_id, version, definition, created_at, created_by) values ($1, $2, $3, $4::text::jsonb, $5, $6)`,
      [programId, id, version, JSON.stringify(definition), now, by],
    );
  },

  async update(q: Queryable, programId: string, id: string, set: { name?: string; status?: JourneyStatus; version?: number }, now: Date) {
    await q.query(
      `update journeys set name = coalesce($3, name), status = coalesce($4, status), version = coalesce($5, version), updated_at = $6
       where program_id = $1 and id = $2`,
      [programId, id, set.name ?? null, set.status ?? null, set.version ?? null, now],
    );
  },

  /** The journeys that can take entrants or have members in flight, each with every version's definition. */
  async live(q: Queryable, programId: string) {
    return q.query<{ id: string; name: string; status: JourneyStatus; current: number; version: number; definition: JourneyDefinition }>(
      `select j.id, j.name, j.status, j.version as current, v.version, v.definition
       from journeys j join journey_versions v on v.program_id = j.program_id and v.journey_id = j.id
       where j.program_id = $1 and j.status in ('active', 'paused')
       order by j.id, v.version`,
      [programId],
    );
  },

  async counts(q: Queryable, programId: string, ids: readonly string[]) {
    if (ids.length === 0) return [];
    return q.query<{ journey_id: string; entered: number; in_flight: number; holdout: number; converted: number }>(
      `select journey_id, count(*)::int as entered, (count(*) filter (where ended_at is null))::int as in_flight,
              (count(*) filter (where holdout))::int as holdout, (count(*) filter (where converted_at is not null))::int as converted
       from journey_runs where program_id = $1 and journey_id = any($2::text[]) group by journey_id`,
      [programId, pgArray(ids)],
    );
  },

  async lastRun(q: Queryable, programId: string, journeyId: string, memberId: string) {
    const [row] = await q.query<{ entered_at: Date; ended_at: Date | null }>(
      `select entered_at, ended_at from journey_runs where program_id = $1 and member_id = $2 and journey_id = $3 order by entered_at desc, id desc limit 1`,
      [programId, memberId, journeyId],
    );
    return row;
  },

  async insertRun(q: Queryable, r: Omit<RunRow, 'visits' | 'converted_at' | 'conversion_ref' | 'ended_at' | 'end_reason'> & { ended_at?: Date | null; end_reason?: string | null }, now: Date) {
    await q.query(
      `insert into journey_runs (program_id, id, journey_id, version, member_id, holdout, status, step, visits, due_at, waiting_for, entered_at,
                                 trigger_ref, goal_until, ended_at, end_reason, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [r.program_id, r.id, r.journey_id, r.version, r.member_id, r.holdout, r.status, r.step, r.due_at, r.waiting_for, r.entered_at, r.trigger_ref, r.goal_until, r.ended_at ?? null, r.end_reason ?? null, now],
    );
  },

  /** Runs due now, oldest first, each claimed by this transaction (others skip them). */
  async claimDue(q: Queryable, now: Date, limit: number) {
    return q.query<RunRow>(
      `select ${RUN_COLUMNS} from journey_runs where status = 'waiting' and due_at <= $1 order by due_at limit $2 for update skip locked`,
      [now, limit],
    );
  },

  /** A member's runs waiting for an event of this type, or whose goal this event may meet. */
  async openForEvent(q: Queryable, programId: string, memberId: string, type: string) {
    return q.query<RunRow>(
      `select ${RUN_COLUMNS} from journey_runs
       where program_id = $1 and member_id = $2
         and ((status = 'waiting' and waiting_for = $3) or (converted_at is null and goal_until is not null))
       for update`,
      [programId, memberId, type],
    );
  },

  async saveRun(q: Queryable, r: RunRow, now: Date) {
    await q.query(
      `update journey_runs set status = $3, step = $4, visits = $5, due_at = $6, waiting_for = $7, converted_at = $8, conversion_ref = $9,
              ended_at = $10, end_reason = $11, updated_at = $12
       where program_id = $1 and id = $2`,
      [r.program_id, r.id, r.status, r.step, r.visits, r.due_at, r.waiting_for, r.converted_at, r.conversion_ref, r.ended_at, r.end_reason, now],
    );
  },

  async logStep(q: Queryable, programId: string, runId: string, visit: number, step: string, kind: string, outcome: Record<string, unknown>, at: Date) {
    await q.query(
      `insert into journey_steps (program_id, run_id, visit, step, kind, outcome, at) values ($1, $2, $3, $4, $5, $6::text::jsonb, $7)`,
      [programId, runId, visit, step, kind, JSON.stringify(outcome), at],
    );
  },

  async runs(q: Queryable, programId: string, journeyId: string, f: { memberId?: string; afterId?: string; limit: number }) {
    const params: unknown[] = [programId, journeyId];
    const where = ['program_id = $1', 'journey_id = $2'];
    if (f.memberId) where.push(`member_id = $${params.push(f.memberId)}`);
    if (f.afterId) where.push(`id < $${params.push(f.afterId)}`);
    return q.query<RunRow>(`select ${RUN_COLUMNS} from journey_runs where ${where.join(' and ')} order by id desc limit $${params.push(f.limit)}`, params);
  },

  async history(q: Queryable, programId: string, runIds: readonly string[]) {
    if (runIds.length === 0) return [];
    return q.query<{ run_id: string; visit: number; step: string; kind: string; outcome: Record<string, unknown>; at: Date }>(
      `select run_id, visit, step, kind, outcome, at from journey_steps where program_id = $1 and run_id = any($2::text[]) order by run_id, visit`,
      [programId, pgArray(runIds)],
    );
  },

  /** The event as it was received (for entry conditions on its fields). */
  async eventPayload(q: Queryable, programId: string, eventId: string) {
    const [row] = await q.query<{ payload: Record<string, unknown> }>(`select payload from events where program_id = $1 and id = $2`, [programId, eventId]);
    return row?.payload;
  },
};
