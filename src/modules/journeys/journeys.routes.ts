import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import type { AuditService } from '../audit/index.js';
import { Journey, JourneyCreate, JourneyList, JourneyListQuery, JourneyParams, JourneyRunList, JourneyRunQuery, JourneyStatusChange, JourneyUpdate } from './journeys.contract.js';
import type { JourneysService } from './journeys.service.js';

export function journeysRoutes(app: App, deps: { db: Db; programs: ProgramsService; journeys: JourneysService; audit: AuditService }) {
  const { db, programs, journeys, audit } = deps;
  const tags = ['journeys'];

  app.post('/v1/journeys', {
    schema: { tags, summary: 'Create a journey (a draft): its trigger, steps, goal and holdout share', body: JourneyCreate, response: { 201: Journey } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await journeys.create(q, program, req.body) }), audit.of(req, program.id, { action: 'journey.create', target: 'journey' }));
    },
  });

  app.get('/v1/journeys', {
    schema: { tags, summary: 'The program’s journeys, newest first, with how many members entered, are in flight, held out and converted', querystring: JourneyListQuery, response: { 200: JourneyList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return journeys.list(program, req.query);
    },
  });

  app.get('/v1/journeys/:journey_id', {
    schema: { tags, summary: 'A journey with its current definition and its versions', params: JourneyParams, response: { 200: Journey } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return journeys.get(program, req.params.journey_id);
    },
  });

  app.patch('/v1/journeys/:journey_id', {
    schema: {
      tags,
      summary: 'Change a journey: a draft in place; an active or paused one as a new version that new entrants take (members in flight finish theirs)',
      params: JourneyParams,
      body: JourneyUpdate,
      response: { 200: Journey },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await journeys.update(q, program, req.params.journey_id, req.body) }), audit.of(req, program.id, { action: 'journey.update', target: 'journey', id: req.params.journey_id, before: (q) => journeys.get(program, req.params.journey_id, q) }));
    },
  });

  app.post('/v1/journeys/:journey_id/status', {
    schema: { tags, summary: 'Activate, pause or archive a journey', params: JourneyParams, body: JourneyStatusChange, response: { 200: Journey } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await journeys.setStatus(q, program, req.params.journey_id, req.body.status) }), audit.of(req, program.id, { action: `journey.${req.body.status}`, target: 'journey', id: req.params.journey_id, before: (q) => journeys.get(program, req.params.journey_id, q) }));
    },
  });

  app.get('/v1/journeys/:journey_id/runs', {
    schema: { tags, summary: 'Members’ passes through a journey, newest first, each with the steps it took', params: JourneyParams, querystring: JourneyRunQuery, response: { 200: JourneyRunList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return journeys.runs(program, req.params.journey_id, req.query);
    },
  });
}
