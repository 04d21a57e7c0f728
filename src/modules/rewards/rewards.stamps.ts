import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, notFound, unprocessable } from '../../platform/errors.js';
import type { ConfigStore, Program } from '../programs/index.js';
import type { LedgerService, Tx } from '../ledger/index.js';
import type { EventContext } from '../events/index.js';
import { rewardsRepo as repo, type RewardRow, type StampCardRow } from './rewards.repo.js';
import { stampCardView } from './rewards.views.js';

type Grant = (
  tx: Tx,
  a: { memberId: string; rewardId: string; eventId?: string | null; mode: 'stamp_card'; paid?: { points: number; currency: string; txnId: string } },
) => Promise<{ redemption: { id: string }; coupon?: { code: string } }>;
type Softly = <T>(q: Queryable, fn: () => Promise<T>) => Promise<T | AppError>;

/** However many goals one event's stamps reach, a card completes at most this many times per event. */
const MAX_COMPLETIONS_PER_EVENT = 1000;

/**
 * Stamp cards: a point currency (such as `stamps`) with a goal. After each applied event, while the member has
 * `goal` stamps available, they are spent and the card's reward is issued; what is left over carries on.
 * The cards are a part of the program's configuration snapshot; a change raises its configuration version.
 */
export function createStampCards(deps: {
  db: Db;
  clock: Clock;
  config: ConfigStore;
  ledger: LedgerService;
  grant: Grant;
  softly: Softly;
  loadReward: (q: Queryable, p: Program, id: string) => Promise<RewardRow>;
}) {
  const { db, clock, config, ledger, grant, softly } = deps;
  const part = config.define('stamp_cards', (q, program): Promise<readonly StampCardRow[]> => repo.stampCards(q, program.id));

  return {
    async put(q: Queryable, program: Program, currency: string, b: { goal: number; reward_id: string; status: 'active' | 'inactive' }) {
      if (!program.point_currencies.includes(currency)) {
        throw unprocessable('stamp_card.unknown_currency', `The program has no point currency "${currency}"; add it to point_currencies first`, {
          field: 'currency',
        });
      }
      if (currency === program.point_currencies[0]) {
        throw unprocessable('stamp_card.main_currency', `"${currency}" is the program’s main point currency; stamps need their own`, { field: 'currency' });
      }
      await deps.loadReward(q, program, b.reward_id);
      const row = await repo.putStampCard(q, program.id, { currency, ...b }, clock.now());
      await config.bump(q, program.id);
      return stampCardView(row);
    },

    async list(program: Program) {
      return { data: (await repo.stampCards(db, program.id)).map(stampCardView) };
    },

    async get(program: Program, currency: string, q: Queryable = db) {
      const card = (await repo.stampCards(q, program.id)).find((c) => c.currency === currency);
      if (!card) throw notFound('stamp_card.not_found', `No stamp card for "${currency}"`, 'currency');
      return stampCardView(card);
    },

    async onEvent(ctx: EventContext) {
      const { tx, member, result } = ctx;
      const cards = (await config.read(tx.program, part, tx.q)).filter((c) => c.status === 'active' && tx.program.point_currencies.includes(c.currency));
      for (const card of cards) {
        let posted = await ledger.postedBalance(tx.q, tx.program.id, member.id, card.currency);
        for (let round = 0; posted >= card.goal && round < MAX_COMPLETIONS_PER_EVENT; round++) {
          const out = await softly(tx.q, async () => {
            const debit = await ledger.core.debit(tx, {
              memberId: member.id,
              currency: card.currency,
              amount: card.goal,
              type: 'redeem',
              sink: 'redemption',
              reference: `stamp_card:${card.currency}`,
              metadata: { stamp_card: card.currency, reward_id: card.reward_id },
              // The stamps are spent when the event that completed the card happened.
              occurredAt: ctx.occurredAt,
            });
            const given = await grant(tx, {
              memberId: member.id,
              rewardId: card.reward_id,
              eventId: ctx.event.id,
              mode: 'stamp_card',
              paid: { points: card.goal, currency: card.currency, txnId: debit.txnId },
            });
            return { txnId: debit.txnId, ...given };
          });
          if (out instanceof AppError) {
            // Not enough *available* stamps (some are held) is no news; anything else the member should hear about.
            if (out.code !== 'ledger.insufficient_points') {
              (result.outcomes ??= []).push({ kind: 'stamp_card_not_completed', currency: card.currency, reward_id: card.reward_id, reason: out.code, detail: out.message });
            }
            break;
          }
          posted -= card.goal;
          result.points[card.currency] = (result.points[card.currency] ?? 0) - card.goal;
          result.transactions.push({ id: out.txnId, type: 'redeem', currency: card.currency, points: -card.goal, pending: false, available_at: null });
          (result.outcomes ??= []).push({
            kind: 'stamp_card_completed',
            currency: card.currency,
            goal: card.goal,
            reward_id: card.reward_id,
            redemption_id: out.redemption.id,
            transaction_id: out.txnId,
            ...(out.coupon ? { coupon_code: out.coupon.code } : {}),
          });
        }
      }
    },
  };
}
