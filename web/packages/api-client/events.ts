import { queryOptions } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type EventListParams = NonNullable<paths['/v1/events']['get']['parameters']['query']>;
export type EventList = paths['/v1/events']['get']['responses'][200]['content']['application/json'];
export type LoggedEvent = EventList['data'][number];
export type EventOutcomeFilter = NonNullable<EventListParams['outcome']>;
type OneEvent = paths['/v1/events/{event_id}']['get']['responses'][200]['content']['application/json'];

export const eventKeys = {
  all: () => ['events', currentProgram()] as const,
  list: (params: EventListParams) => [...eventKeys.all(), 'list', params] as const,
  one: (id: string) => [...eventKeys.all(), 'one', id] as const,
};

export const eventListQuery = (params: EventListParams) =>
  queryOptions({
    queryKey: eventKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/events', { params: { query: params }, signal })),
  });

/** An applied event, or (with queued ingestion) one still queued or refused by a worker. */
export const eventQuery = (id: string) =>
  queryOptions({
    queryKey: eventKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/events/{event_id}', { params: { path: { event_id: id } }, signal })),
  });

/** Whether an answer of GET /v1/events/{id} is an applied event (not one still queued or refused). */
export const isApplied = (e: OneEvent): e is LoggedEvent => 'result' in e;

export type EventRefusalParams = NonNullable<paths['/v1/event-refusals']['get']['parameters']['query']>;
export type EventRefusalList = paths['/v1/event-refusals']['get']['responses'][200]['content']['application/json'];
export type EventRefusal = EventRefusalList['data'][number];

/** Events refused for what they meant (an unknown or suspended member, a refund over its order, …), newest first. */
export const eventRefusalListQuery = (params: EventRefusalParams) =>
  queryOptions({
    queryKey: [...eventKeys.all(), 'refusals', params] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/event-refusals', { params: { query: params }, signal })),
  });
