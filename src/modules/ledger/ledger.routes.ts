import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import {
  AdjustmentCreate,
  Balance,
  BalanceQuery,
  Hold,
  HoldCreate,
  HoldParams,
  HistoryQuery,
  MemberParams,
  RedemptionCreate,
  ReverseBody,
  Transaction,
  TransferCreate,
  TxnPage,
  TxnParams,
} from './ledger.contract.js';
import type { LedgerService } from './ledger.ops.js';
import type { AuditService } from '../audit/index.js';

export function ledgerRoutes(app: App, deps: { db: Db; programs: ProgramsService; ledger: LedgerService; audit: AuditService }) {
  const { db, programs, ledger, audit } = deps;
  const tags = ['ledger'];

  app.get('/v1/members/:member_id/balance', {
    schema: { tags, summary: 'A member’s balance in one point currency', params: MemberParams, querystring: BalanceQuery, response: { 200: Balance } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return ledger.balance(program, req.params.member_id, req.query.currency);
    },
  });

  app.get('/v1/members/:member_id/balances', {
    schema: { tags, summary: 'A member’s balances in every point currency', params: MemberParams, response: { 200: z.object({ data: z.array(Balance) }) } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return { data: await ledger.balances(program, req.params.member_id) };
    },
  });

  app.get('/v1/members/:member_id/transactions', {
    schema: { tags, summary: 'A member’s ledger history, newest first', params: MemberParams, querystring: HistoryQuery, response: { 200: TxnPage } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return ledger.history(program, req.params.member_id, req.query);
    },
  });

  app.get('/v1/transactions/:txn_id', {
    schema: { tags, summary: 'A ledger transaction with its postings', params: TxnParams, response: { 200: Transaction } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return ledger.transaction(program, req.params.txn_id);
    },
  });

  app.post('/v1/members/:member_id/redemptions', {
    schema: {
      tags,
      summary: 'Spend points now (refused unless the available balance covers it)',
      params: MemberParams,
      body: RedemptionCreate,
      response: { 201: Transaction },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 201,
        body: await ledger.redeem(q, program, req.params.member_id, req.body),
      }), audit.of(req, program.id, { action: 'member.redeem', target: 'member', id: req.params.member_id, after: (r) => ({ request: req.body, result: r }) }));
    },
  });

  app.post('/v1/members/:member_id/adjustments', {
    schema: {
      tags,
      summary: 'Credit or debit points by hand, with a reason (admin)',
      params: MemberParams,
      body: AdjustmentCreate,
      response: { 201: Transaction },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 201,
        body: await ledger.adjust(q, program, req.params.member_id, req.body),
      }), audit.of(req, program.id, { action: 'member.adjust', target: 'member', id: req.params.member_id, after: (r) => ({ request: req.body, result: r }) }));
    },
  });

  app.post('/v1/transfers', {
    schema: { tags, summary: 'Move points from one member to another', body: TransferCreate, response: { 201: Transaction } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await ledger.transfer(q, program, req.body) }), audit.of(req, program.id, { action: 'transfer.create', target: 'transaction', after: (r) => ({ request: req.body, result: r }) }));
    },
  });

  app.post('/v1/members/:member_id/holds', {
    schema: {
      tags,
      summary: 'Reserve points (a hold with a time to live), to confirm or cancel later',
      params: MemberParams,
      body: HoldCreate,
      response: { 201: Hold },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 201,
        body: await ledger.createHold(q, program, req.params.member_id, req.body),
      }), audit.of(req, program.id, { action: 'member.hold', target: 'member', id: req.params.member_id, after: (r) => ({ request: req.body, result: r }) }));
    },
  });

  app.get('/v1/holds/:hold_id', {
    schema: { tags, summary: 'A hold', params: HoldParams, response: { 200: Hold } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return ledger.getHold(program, req.params.hold_id);
    },
  });

  app.post('/v1/holds/:hold_id/confirm', {
    schema: {
      tags,
      summary: 'Spend the held points',
      params: HoldParams,
      body: z.object({}).strict().nullish(),
      response: { 200: Hold.extend({ transaction: Transaction }) },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await ledger.confirmHold(q, program, req.params.hold_id) }), audit.of(req, program.id, { action: 'hold.confirm', target: 'hold', id: req.params.hold_id, before: (q) => ledger.getHold(program, req.params.hold_id, q) }));
    },
  });

  app.post('/v1/holds/:hold_id/cancel', {
    schema: { tags, summary: 'Release the held points', params: HoldParams, body: z.object({}).strict().nullish(), response: { 200: Hold } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await ledger.cancelHold(q, program, req.params.hold_id) }), audit.of(req, program.id, { action: 'hold.cancel', target: 'hold', id: req.params.hold_id, before: (q) => ledger.getHold(program, req.params.hold_id, q) }));
    },
  });

  app.post('/v1/transactions/:txn_id/reverse', {
    schema: {
      tags,
      summary: 'Reverse what is left of a transaction (admin); the reversal references the original',
      params: TxnParams,
      body: ReverseBody.nullish(),
      response: { 201: Transaction },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 201,
        body: await ledger.reverse(q, program, req.params.txn_id, req.body ?? {}),
      }), audit.of(req, program.id, { action: 'transaction.reverse', target: 'transaction', id: req.params.txn_id, after: (r) => ({ request: req.body ?? null, result: r }) }));
    },
  });
}
