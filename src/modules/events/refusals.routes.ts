import type { App } from '../../platform/http.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import { EventRefusalList, EventRefusalListQuery } from './events.contract.js';
import type { RefusalsService } from './refusals.service.js';

export function eventRefusalsRoutes(app: App, deps: { programs: ProgramsService; refusals: RefusalsService }) {
  const { programs, refusals } = deps;
  app.get('/v1/event-refusals', {
    schema: {
      tags: ['events'],
      summary: 'Refused events: what was sent and why it was refused, newest first',
      description:
        'Events refused for what they meant — an unknown, suspended or erased member, a refund over its order, an unknown order, ' +
        'an id reused with another body, a date more than a day ahead, … — through POST /v1/events, a slot of POST /v1/events/batch, ' +
        'or a worker applying the NATS stream. A body that is not an event at all (a 400 for its shape) is not kept, nor are import rows ' +
        '(their rejects file says why). A refused event wrote nothing; its refusal is kept 90 days. The same event refused again for ' +
        'the same reason within a minute is kept once. Filters combine: `type`, `member` (a member id or one identity, as GET /v1/events), ' +
        '`code`, `event_id` and a range of `refused_at` (`from` inclusive, `to` exclusive).',
      querystring: EventRefusalListQuery,
      response: { 200: EventRefusalList },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return refusals.list(program, req.query);
    },
  });
}
