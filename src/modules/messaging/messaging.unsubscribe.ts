import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Secrets } from '../../platform/secrets.js';
import type { Channel } from './messaging.contract.js';

const PURPOSE = 'unsubscribe';
const CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'wechat'];

/** Who a link unsubscribes: a test send names no member. */
export interface Unsubscribe {
  programId: string;
  memberId: string | null;
  channel: Channel;
}

/** `<payload>.<signature>`: the payload names program, member and channel; the HMAC is the secret key's. */
export function unsubscribeToken(secrets: Secrets, u: Unsubscribe): string {
  const payload = Buffer.from(JSON.stringify([u.programId, u.memberId, u.channel]), 'utf8').toString('base64url');
  return `${payload}.${secrets.sign(PURPOSE, payload)}`;
}

export function readUnsubscribeToken(secrets: Secrets, token: string): Unsubscribe | null {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined || !secrets.verify(PURPOSE, payload, sig)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3) return null;
    const [programId, memberId, channel] = v as unknown[];
    if (typeof programId !== 'string' || (memberId !== null && typeof memberId !== 'string') || !CHANNELS.includes(channel as Channel)) return null;
    return { programId, memberId, channel: channel as Channel };
  } catch {
    return null;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#1f2937;color:#fff;cursor:pointer}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/**
 * The one-click unsubscribe of RFC 8058 at `/u/{token}`, outside /v1 and without authentication (the signed
 * token is the authority): POST turns the channel's consent off (mail clients post
 * `List-Unsubscribe=One-Click`); GET shows a page whose button makes that POST, so a link scanner that
 * follows GETs unsubscribes nobody.
 */
export function unsubscribeRoutes(app: FastifyInstance, deps: { secrets: Secrets; unsubscribe: (u: Unsubscribe) => Promise<'done' | 'unknown'> }) {
  app.register(async (scope) => {
    // Mail clients post a form; a body of any other type is accepted and ignored.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_req, _body, done) => done(null, undefined));
    const html = (reply: { type(t: string): unknown; header(k: string, v: string): unknown }) => {
      reply.type('text/html; charset=utf-8');
      reply.header('cache-control', 'no-store');
    };
    const params = z.object({ token: z.string().max(1000) });

    scope.get<{ Params: { token: string } }>('/u/:token', { schema: { hide: true, params } }, async (req, reply) => {
      html(reply);
      const u = readUnsubscribeToken(deps.secrets, req.params.token);
      if (!u) return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      return reply.send(
        page(
          'Unsubscribe',
          `<p>Stop receiving marketing messages by ${escapeHtml(u.channel)}?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
    });

    scope.post<{ Params: { token: string } }>('/u/:token', { schema: { hide: true, params } }, async (req, reply) => {
      html(reply);
      const u = readUnsubscribeToken(deps.secrets, req.params.token);
      if (!u) return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
      const done = await deps.unsubscribe(u);
      if (done === 'unknown') return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid any more.</p>'));
      return reply.send(page('You are unsubscribed', `<p>You will no longer receive marketing messages by ${escapeHtml(u.channel)}.</p>`));
    });
  });
}
