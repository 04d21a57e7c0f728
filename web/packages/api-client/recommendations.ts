import { queryOptions } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type MemberRecommendations = paths['/v1/members/{member_id}/recommendations']['get']['responses'][200]['content']['application/json'];
export type MemberOffers = paths['/v1/members/{member_id}/offers']['get']['responses'][200]['content']['application/json'];

export const recommendationKeys = {
  all: () => ['recommendations', currentProgram()] as const,
  member: (memberId: string) => [...recommendationKeys.all(), 'member', memberId] as const,
  offers: (memberId: string) => [...recommendationKeys.all(), 'offers', memberId] as const,
};

export const memberRecommendationsQuery = (memberId: string, limit = 8) =>
  queryOptions({
    queryKey: [...recommendationKeys.member(memberId), limit],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/members/{member_id}/recommendations', { params: { path: { member_id: memberId }, query: { limit } }, signal })),
  });

export const memberOffersQuery = (memberId: string, limit = 5) =>
  queryOptions({
    queryKey: [...recommendationKeys.offers(memberId), limit],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members/{member_id}/offers', { params: { path: { member_id: memberId }, query: { limit } }, signal })),
  });
