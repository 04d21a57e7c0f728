import type { App } from '../../platform/http.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import {
  ItemNeighbours,
  ItemParams,
  MemberParams,
  ModelStatus,
  Offers,
  OffersQuery,
  RecommendationModel,
  Recommendations,
  RecommendationsQuery,
  RefreshInput,
} from './recommendations.contract.js';
import type { RecommendationsService } from './recommendations.service.js';
import type { OffersService } from './offers.service.js';

export function recommendationsRoutes(
  app: App,
  deps: { programs: ProgramsService; recommendations: RecommendationsService; offers: OffersService },
) {
  const { programs, recommendations, offers } = deps;
  const tags = ['recommendations'];

  app.get('/v1/members/:member_id/recommendations', {
    schema: {
      tags,
      summary: 'Items to show a member: neighbours of what they bought (never what their last order held), popular items to fill in',
      params: MemberParams,
      querystring: RecommendationsQuery,
      response: { 200: Recommendations },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return recommendations.forMember(program, req.params.member_id, req.query);
    },
  });

  app.get('/v1/members/:member_id/offers', {
    schema: {
      tags,
      summary: 'The next-best offers: rewards the member can take, affordable first, ranked by predicted take-up',
      params: MemberParams,
      querystring: OffersQuery,
      response: { 200: Offers },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return offers.forMember(program, req.params.member_id, req.query.limit);
    },
  });

  app.get('/v1/recommendations/model', {
    schema: { tags, summary: 'When the co-purchase model was last made, from how many baskets, with which parameters', response: { 200: ModelStatus } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return recommendations.model(program.id);
    },
  });

  app.post('/v1/recommendations/refresh', {
    schema: {
      tags,
      summary: 'Make the co-purchase model again from every order now (patron serve does it daily when orders came in)',
      body: RefreshInput.nullish().describe("Optional: the parameters to change"),
      response: { 200: RecommendationModel },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'admin');
      // Derived data, made again whole from the orders: a retry makes the same model, so no idempotency record.
      return recommendations.refresh(program.id, req.body ?? {});
    },
  });

  app.get('/v1/recommendations/items/:sku', {
    schema: { tags, summary: 'An item as the model knows it, with its neighbours', params: ItemParams, response: { 200: ItemNeighbours } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return recommendations.item(program.id, req.params.sku);
    },
  });
}
