import type { Db, Queryable } from '../../platform/db.js';
import { isAppError } from '../../platform/errors.js';
import { inspectInput } from '../../platform/input.js';
import { issueCode } from '../../platform/instant.js';
import { MemberCreate, memberRefKey, type MemberRef, type MembersService } from '../members/index.js';
import type { SourceRecord } from './imports.source.js';
import { memberRows } from './imports.rows.js';
import { openRejects } from './imports.rejects.js';
import { DEFAULT_IDENTITY, prepare, settle } from './imports.prepare.js';
import { tally, type ImportInput, type ImportSummary } from './imports.tally.js';

/**
 * Members from a file: each row is enrolled, in transactions of a batch, unless one of its identities already
 * names a member (a duplicate, left as it is) or names two different members (rejected).
 */
export function membersImport(deps: { db: Db; members: MembersService }) {
  const { db, members } = deps;

  /** The identities a member body names, as references (to find an existing member by any of them). */
  function identitiesOf(body: MemberCreate): MemberRef[] {
    const refs: MemberRef[] = [];
    if (body.email) refs.push({ email: body.email });
    if (body.phone) refs.push({ phone: body.phone });
    if (body.card_number) refs.push({ card_number: body.card_number });
    for (const [channel, id] of Object.entries(body.external_ids ?? {})) refs.push({ external_id: `${channel}:${id}` });
    return refs;
  }

  async function importMembers(input: ImportInput & { batchSize?: number }): Promise<ImportSummary> {
    const { preset, zone, source, explicit } = await prepare('members', input);
    const programId = input.program.id;
    const rejects = await openRejects(input.rejectsFile);
    const t = tally('members', source, input, rejects);
    const batchSize = input.batchSize ?? 500;
    const identity = input.identity ?? preset?.identity ?? DEFAULT_IDENTITY;
    const seen = new Set<string>();
    /** Identities enrolled by this run, for the rows after them (the lookup only sees committed batches). */
    const mine = new Map<string, string>();
    let pending: { line: number; body: MemberCreate }[] = [];
    let toBody: ((rec: SourceRecord) => Record<string, unknown>) | undefined;
    let settled = false;

    async function enrolOne(q: Queryable, line: number, body: MemberCreate, found: Map<string, { memberId: string }>) {
      const keys = identitiesOf(body).map((r) => memberRefKey(r));
      const owners = new Set(keys.flatMap((k) => (k ? [found.get(k)?.memberId ?? mine.get(k)] : [])).filter((m): m is string => !!m));
      if (owners.size > 1) {
        return t.reject({ line, code: 'import.identity_conflict', message: `The identities on this line belong to ${owners.size} different members: ${[...owners].join(', ')}` });
      }
      if (owners.size === 1) {
        t.s.duplicates++;
        return;
      }
      await q.query('savepoint member');
      try {
        const m = await members.enrol(programId, body, q);
        await q.query('release savepoint member');
        for (const k of keys) if (k) mine.set(k, m.id);
        t.s.imported++;
      } catch (e) {
        await q.query('rollback to savepoint member');
        if (!isAppError(e)) throw e;
        await t.reject({ line, code: e.code, field: typeof e.details.field === 'string' ? e.details.field : undefined, message: e.message });
      }
    }

    async function flush() {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await db.tx(async (q) => {
        const found = await members.lookup(q, programId, batch.flatMap((b) => identitiesOf(b.body)));
        for (const b of batch) await enrolOne(q, b.line, b.body, found);
      });
      t.report(true);
    }

    let complete = false;
    try {
      for await (const item of source.items()) {
        t.s.read++;
        if ('problem' in item) {
          await t.reject({ line: item.problem.line, code: item.problem.code, message: item.problem.message });
          continue;
        }
        const rec = item.record;
        if (!settled) {
          settled = true;
          const mapping = settle('members', source, explicit);
          if (mapping) toBody = memberRows(mapping, { identity, zone, memberText: preset?.memberText });
        }
        let raw: Record<string, unknown>;
        try {
          raw = toBody ? toBody(rec) : rec.value();
        } catch (e) {
          if (!isAppError(e)) throw e;
          await t.reject({ line: rec.line, code: e.code, field: typeof e.details.field === 'string' ? e.details.field : undefined, message: e.message });
          continue;
        }
        if (preset?.members.oncePerMember) {
          const key = JSON.stringify(raw.external_ids ?? raw.email ?? raw.phone ?? raw.card_number ?? null);
          if (key === 'null') {
            t.skip('guest');
            continue;
          }
          if (seen.has(key)) {
            t.skip('repeated');
            continue;
          }
          seen.add(key);
        }
        // The same guard as the API's: text that cannot be stored, or nesting too deep, rejects the line.
        const bad = inspectInput(raw);
        if (bad) {
          await t.reject({ line: rec.line, code: bad.code, field: bad.field, message: bad.message });
          continue;
        }
        const parsed = MemberCreate.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = issue.path.map(String).join('.') || undefined;
          await t.reject({ line: rec.line, code: issueCode(issue), field, message: `${field ?? 'member'}: ${issue.message}` });
          continue;
        }
        pending.push({ line: rec.line, body: parsed.data });
        if (pending.length >= batchSize) await flush();
        t.report();
      }
      if (!settled && source.columns()) settle('members', source, explicit);
      await flush();
      complete = true;
    } finally {
      await rejects.close(complete);
    }
    return t.summary({});
  }


  return importMembers;
}
