import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import {
  CodesUpload,
  CodesUploaded,
  Coupon,
  CouponCheck,
  CouponCode,
  CouponCreate,
  CouponRedeem,
  CouponRelease,
  CouponUse,
  CouponValidation,
  MemberParams,
  Redemption,
  RedemptionCreate,
  RedemptionList,
  RedemptionListQuery,
  RedemptionParams,
  Reward,
  RewardCreate,
  RewardList,
  RewardListQuery,
  RewardParams,
  RewardUpdate,
  StampCard,
  StampCardParams,
  StampCardProgress,
  StampCardPut,
} from './rewards.contract.js';
import type { RewardsService } from './rewards.service.js';
import type { AuditService } from '../audit/index.js';

const Empty = z.object({}).strict().nullish();

export function rewardsRoutes(app: App, deps: { db: Db; programs: ProgramsService; rewards: RewardsService; audit: AuditService }) {
  const { db, programs, rewards, audit } = deps;
  const { catalog, coupons, stampCards } = rewards;
  const tags = ['rewards'];

  app.post('/v1/rewards', {
    schema: { tags, summary: 'Add a reward to the catalog (admin)', body: RewardCreate, response: { 201: Reward } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await catalog.create(q, program, req.body) }), audit.of(req, program.id, { action: 'reward.create', target: 'reward' }));
    },
  });

  app.get('/v1/rewards', {
    schema: { tags, summary: 'The reward catalog, by id', querystring: RewardListQuery, response: { 200: RewardList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return catalog.list(program, req.query);
    },
  });

  app.get('/v1/rewards/:reward_id', {
    schema: { tags, summary: 'A reward', params: RewardParams, response: { 200: Reward } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return catalog.get(program, req.params.reward_id);
    },
  });

  app.patch('/v1/rewards/:reward_id', {
    schema: { tags, summary: 'Change a reward (admin); its kind stays', params: RewardParams, body: RewardUpdate, response: { 200: Reward } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await catalog.update(q, program, req.params.reward_id, req.body) }), audit.of(req, program.id, { action: 'reward.update', target: 'reward', id: req.params.reward_id, before: (q) => catalog.get(program, req.params.reward_id, q) }));
    },
  });

  app.post('/v1/rewards/:reward_id/codes', {
    schema: {
      tags,
      summary: 'Upload coupon codes to a reward’s pool (admin)',
      description: 'Confirmed redemptions take unused codes from the pool; a reward without a pool gets generated codes.',
      params: RewardParams,
      body: CodesUpload,
      response: { 201: CodesUploaded },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 201,
        body: await catalog.uploadCodes(q, program, req.params.reward_id, req.body.codes),
      }), audit.of(req, program.id, {
          action: 'reward.codes_upload',
          target: 'reward',
          id: req.params.reward_id,
          // How many, never the codes: a coupon code is as good as the reward to whoever reads it.
          after: (r) => {
            const up = r as { skipped: unknown[] };
            return { ...up, skipped: up.skipped.length };
          },
        }));
    },
  });

  app.post('/v1/members/:member_id/reward-redemptions', {
    schema: {
      tags,
      summary: 'Redeem a reward for a member: at once, or reserve points and stock to confirm or cancel later',
      params: MemberParams,
      body: RedemptionCreate,
      response: { 201: Redemption },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await rewards.create(q, program, req.params.member_id, req.body) }), audit.of(req, program.id, { action: 'member.reward_redeem', target: 'member', id: req.params.member_id, after: (r) => ({ request: req.body, result: r }) }));
    },
  });

  app.get('/v1/reward-redemptions', {
    schema: { tags, summary: 'Reward redemptions, newest first, by reward, member or status', querystring: RedemptionListQuery, response: { 200: RedemptionList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return rewards.activity.redemptions(db, program, req.query);
    },
  });

  app.get('/v1/reward-redemptions/:redemption_id', {
    schema: { tags, summary: 'A reward redemption', params: RedemptionParams, response: { 200: Redemption } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return rewards.get(program, req.params.redemption_id);
    },
  });

  app.post('/v1/reward-redemptions/:redemption_id/confirm', {
    schema: { tags, summary: 'Confirm a reservation: spend the held points and issue the reward', params: RedemptionParams, body: Empty, response: { 200: Redemption } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await rewards.confirm(q, program, req.params.redemption_id) }), audit.of(req, program.id, { action: 'reward_redemption.confirm', target: 'reward_redemption', id: req.params.redemption_id, before: (q) => rewards.get(program, req.params.redemption_id, q) }));
    },
  });

  app.post('/v1/reward-redemptions/:redemption_id/cancel', {
    schema: { tags, summary: 'Cancel a reservation: release the points and the stock', params: RedemptionParams, body: Empty, response: { 200: Redemption } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await rewards.cancel(q, program, req.params.redemption_id) }), audit.of(req, program.id, { action: 'reward_redemption.cancel', target: 'reward_redemption', id: req.params.redemption_id, before: (q) => rewards.get(program, req.params.redemption_id, q) }));
    },
  });

  app.post('/v1/coupons', {
    schema: { tags, summary: 'Create a coupon for a campaign (admin)', body: CouponCreate, response: { 201: Coupon } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await coupons.create(q, program, req.body) }), audit.of(req, program.id, { action: 'coupon.create', target: 'coupon' }));
    },
  });

  app.get('/v1/coupons/:code', {
    schema: { tags, summary: 'A coupon by its code', params: z.object({ code: CouponCode }).strict(), response: { 200: Coupon } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return coupons.get(db, program, req.params.code);
    },
  });

  app.post('/v1/coupons/validate', {
    schema: {
      tags,
      summary: 'Would this coupon work for this member and order? Writes nothing',
      'x-idempotency': 'none',
      body: CouponCheck,
      response: { 200: CouponValidation },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'server');
      return coupons.validate(db, program, req.body);
    },
  });

  app.post('/v1/coupons/redeem', {
    schema: {
      tags,
      summary: 'Use a coupon on an order (checkout or POS)',
      description: 'Once per order, never past its uses: a second redemption is a 409 `coupon.already_redeemed`.',
      body: CouponRedeem,
      response: { 201: CouponUse },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await coupons.redeem(q, program, req.body) }));
    },
  });

  app.post('/v1/coupons/release', {
    schema: { tags, summary: 'The order was cancelled: give its coupon use back', body: CouponRelease, response: { 200: CouponUse } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await coupons.release(q, program, req.body) }));
    },
  });

  app.put('/v1/stamp-cards/:currency', {
    schema: {
      tags,
      summary: 'Set the stamp card of a point currency: every `goal` stamps issue the reward (admin)',
      params: StampCardParams,
      body: StampCardPut,
      response: { 200: StampCard },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await stampCards.put(q, program, req.params.currency, req.body) }), audit.of(req, program.id, { action: 'stamp_card.put', target: 'stamp_card', id: req.params.currency, before: (q) => stampCards.get(program, req.params.currency, q) }));
    },
  });

  app.get('/v1/stamp-cards', {
    schema: { tags, summary: 'The program’s stamp cards', response: { 200: z.object({ data: z.array(StampCard) }) } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return stampCards.list(program);
    },
  });

  app.get('/v1/stamp-cards/:currency', {
    schema: { tags, summary: 'A stamp card', params: StampCardParams, response: { 200: StampCard } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return stampCards.get(program, req.params.currency);
    },
  });

  app.get('/v1/stamp-cards/:currency/progress', {
    schema: { tags, summary: 'How many members hold how many stamps of a card, and how many cards were completed', params: StampCardParams, response: { 200: StampCardProgress } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return rewards.activity.stampProgress(db, program, req.params.currency);
    },
  });
}
