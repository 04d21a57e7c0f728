import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type Template = paths['/v1/templates/{template_id}']['get']['responses'][200]['content']['application/json'];
export type TemplateInput = paths['/v1/templates']['post']['requestBody']['content']['application/json'];
export type TemplateUpdateInput = paths['/v1/templates/{template_id}']['patch']['requestBody']['content']['application/json'];
export type TemplateVariant = NonNullable<TemplateInput['variants']['en']>;
export type TemplateLocale = NonNullable<TemplateInput['default_locale']>;
export type Rendered = paths['/v1/templates/{template_id}/preview']['post']['responses'][200]['content']['application/json'];
export type OutboxParams = NonNullable<paths['/v1/outbox']['get']['parameters']['query']>;
export type OutboxMessage = paths['/v1/outbox']['get']['responses'][200]['content']['application/json']['data'][number];
export type MessageDetail = paths['/v1/outbox/{message_id}']['get']['responses'][200]['content']['application/json'];
export type MessageStatus = OutboxMessage['status'];

export const messagingKeys = {
  all: () => ['messaging', currentProgram()] as const,
  templates: (cursor: string | undefined) => [...messagingKeys.all(), 'templates', cursor ?? null] as const,
  template: (id: string) => [...messagingKeys.all(), 'template', id] as const,
  outbox: (params: OutboxParams) => [...messagingKeys.all(), 'outbox', params] as const,
  message: (id: string) => [...messagingKeys.all(), 'message', id] as const,
  emailChannel: () => [...messagingKeys.all(), 'channel', 'email'] as const,
};

export const templateListQuery = (cursor?: string) =>
  queryOptions({
    queryKey: messagingKeys.templates(cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } }, signal })),
  });

export const templateQuery = (id: string) =>
  queryOptions({
    queryKey: messagingKeys.template(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates/{template_id}', { params: { path: { template_id: id } }, signal })),
  });

export const outboxQuery = (params: OutboxParams) =>
  queryOptions({ queryKey: messagingKeys.outbox(params), queryFn: ({ signal }) => unwrap(api.GET('/v1/outbox', { params: { query: params }, signal })) });

export const messageQuery = (id: string) =>
  queryOptions({
    queryKey: messagingKeys.message(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/outbox/{message_id}', { params: { path: { message_id: id } }, signal })),
  });

export const emailChannelQuery = () =>
  queryOptions({ queryKey: messagingKeys.emailChannel(), queryFn: ({ signal }) => unwrap(api.GET('/v1/channels/email', { signal })) });

const refresh = (client: QueryClient) => client.invalidateQueries({ queryKey: messagingKeys.all() });

export async function createTemplate(client: QueryClient, body: TemplateInput) {
  const out = await unwrap(api.POST('/v1/templates', { body }));
  await refresh(client);
  return out;
}

export async function updateTemplate(client: QueryClient, id: string, body: TemplateUpdateInput) {
  const out = await unwrap(api.PATCH('/v1/templates/{template_id}', { params: { path: { template_id: id } }, body }));
  await refresh(client);
  return out;
}

export async function archiveTemplate(client: QueryClient, id: string) {
  const out = await unwrap(api.POST('/v1/templates/{template_id}/archive', { params: { path: { template_id: id } } }));
  await refresh(client);
  return out;
}

export const previewTemplate = (id: string, body: { member_id: string; locale?: TemplateLocale }) =>
  unwrap(api.POST('/v1/templates/{template_id}/preview', { params: { path: { template_id: id } }, body }));

export async function testSendTemplate(client: QueryClient, id: string, body: { to: string; member_id?: string; locale?: TemplateLocale }) {
  const out = await unwrap(api.POST('/v1/templates/{template_id}/test-send', { params: { path: { template_id: id } }, body }));
  await refresh(client);
  return out;
}
