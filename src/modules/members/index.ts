// STUB: replaced by the members module.
import type { App } from '../../platform/http.js';
import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
export type MemberRef = { id: string } | { email: string } | { phone: string } | { card_number: string } | { external_id: string };
export function createMembersService(_deps: { db: Db; clock: Clock; ids: Ids }) {
  return {
    async resolve(
      _q: Queryable,
      _programId: string,
      _ref: MemberRef,
      _opts: { autoEnrol: boolean; channel?: string; at: Date },
    ): Promise<{ memberId: string; status: string; enrolled: boolean }> {
      throw new Error('not implemented');
    },
  };
}
export type MembersService = ReturnType<typeof createMembersService>;
export function membersRoutes(_app: App, _deps: unknown) {}
