import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import type { AuditService } from '../audit/index.js';
import {
  EmailChannel,
  EmailChannelInput,
  Message,
  MessageParams,
  MessagingSettings,
  MessagingSettingsInput,
  OutboxList,
  OutboxQuery,
  PreviewRequest,
  Rendered,
  Template,
  TemplateCreate,
  TemplateList,
  TemplateListQuery,
  TemplateParams,
  TemplateUpdate,
  TestSendRequest,
} from './messaging.contract.js';
import type { MessagingService } from './messaging.service.js';

export function messagingRoutes(app: App, deps: { db: Db; programs: ProgramsService; messaging: MessagingService; audit: AuditService }) {
  const { db, programs, messaging, audit } = deps;
  const tags = ['messaging'];

  app.post('/v1/templates', {
    schema: { tags, summary: 'Create a message template (liquid; MJML for email bodies) with a variant per locale', body: TemplateCreate, response: { 201: Template } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await messaging.createTemplate(q, program, req.body) }), audit.of(req, program.id, { action: 'template.create', target: 'template' }));
    },
  });

  app.get('/v1/templates', {
    schema: { tags, summary: 'Templates in creation order, by channel and status', querystring: TemplateListQuery, response: { 200: TemplateList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return messaging.listTemplates(program, req.query);
    },
  });

  app.get('/v1/templates/:template_id', {
    schema: { tags, summary: 'A template', params: TemplateParams, response: { 200: Template } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return messaging.getTemplate(program, req.params.template_id);
    },
  });

  app.patch('/v1/templates/:template_id', {
    schema: { tags, summary: 'Rename a template, change its default locale or replace its variants', params: TemplateParams, body: TemplateUpdate, response: { 200: Template } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      const id = req.params.template_id;
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await messaging.updateTemplate(q, program, id, req.body) }), audit.of(req, program.id, { action: 'template.update', target: 'template', id, before: (q) => messaging.getTemplate(program, id, q) }));
    },
  });

  app.post('/v1/templates/:template_id/archive', {
    schema: { tags, summary: 'Archive a template: it takes no new messages (queued ones still go)', params: TemplateParams, response: { 200: Template } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      const id = req.params.template_id;
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await messaging.archiveTemplate(q, program, id) }), audit.of(req, program.id, { action: 'template.archive', target: 'template', id }));
    },
  });

  app.post('/v1/templates/:template_id/preview', {
    schema: { tags, summary: 'Render a template with a real member (nothing is sent)', params: TemplateParams, body: PreviewRequest, response: { 200: Rendered } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'admin');
      return messaging.preview(program, req.params.template_id, req.body);
    },
  });

  app.post('/v1/templates/:template_id/test-send', {
    schema: { tags, summary: 'Send the template once to an address now (no consent, caps or quiet hours)', params: TemplateParams, body: TestSendRequest, response: { 201: Message } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return reply.code(201).send(await messaging.testSend(program, req.params.template_id, req.body));
    },
  });

  app.get('/v1/messaging/settings', {
    schema: { tags, summary: 'Frequency caps and quiet hours per channel, and the program’s time zone', response: { 200: MessagingSettings } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return messaging.getSettings(db, program);
    },
  });

  app.put('/v1/messaging/settings', {
    schema: { tags, summary: 'Set caps and quiet hours; fields left out keep their value', body: MessagingSettingsInput, response: { 200: MessagingSettings } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await messaging.putSettings(q, program, req.body) }), audit.of(req, program.id, { action: 'messaging_settings.put', target: 'messaging_settings', id: program.id, before: (q) => messaging.getSettings(q, program) }));
    },
  });

  app.get('/v1/channels/email', {
    schema: { tags, summary: 'Where the program’s email goes: its SMTP server (password masked), PATRON_SMTP_URL, or the outbox', response: { 200: EmailChannel } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return messaging.emailChannel(program);
    },
  });

  app.put('/v1/channels/email', {
    schema: { tags, summary: 'Use this SMTP server for the program’s email (the password is stored encrypted)', body: EmailChannelInput, response: { 200: EmailChannel } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await messaging.putEmailChannel(q, program, req.body) }), audit.of(req, program.id, { action: 'channel.email.put', target: 'channel', id: 'email', before: (q) => messaging.emailChannel(program, q) }));
    },
  });

  app.delete('/v1/channels/email', {
    schema: { tags, summary: 'Forget the program’s SMTP server: PATRON_SMTP_URL or the outbox takes over', response: { 200: EmailChannel } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await messaging.deleteEmailChannel(q, program) }), audit.of(req, program.id, { action: 'channel.email.delete', target: 'channel', id: 'email' }));
    },
  });

  app.get('/v1/outbox', {
    schema: { tags, summary: 'The messages, newest first: queued, sent (to SMTP or kept in the outbox), deferred, suppressed, failed', querystring: OutboxQuery, response: { 200: OutboxList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return messaging.outbox(program, req.query);
    },
  });

  app.get('/v1/outbox/:message_id', {
    schema: { tags, summary: 'A message with its rendered HTML, text and headers', params: MessageParams, response: { 200: Message } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return messaging.message(program, req.params.message_id);
    },
  });
}
