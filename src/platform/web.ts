import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { App } from './http.js';

/**
 * The admin console at /admin: the files `npm run build:web` writes into web/dist/admin. A path under /admin
 * that is not a file answers index.html (the app's router takes it from there). Vite's hashed assets are
 * cached for a year; index.html is revalidated on every load, so a new build is picked up at once.
 * Without a build, /admin answers 503 with a page that says how to make one.
 */
export function registerConsole(app: App, opts: { dir: string; prefix?: string }): void {
  const prefix = opts.prefix ?? '/admin';
  const root = normalize(opts.dir);
  // preCompressed: the build writes each asset as .br and .gz too (vite.config.ts); a browser gets the smallest it accepts.
  app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  const index = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', root, { cacheControl: false });

  const handler = async (req: { url: string }, reply: FastifyReply) => {
    if (!existsSync(join(root, 'index.html'))) return notBuilt(reply);
    const path = decodePath(req.url.split('?')[0]!.slice(prefix.length));
    if (path) {
      const file = normalize(join(root, path));
      if (file.startsWith(root + sep) && isFile(file)) {
        const rel = file.slice(root.length + 1);
        if (rel === 'index.html') return index(reply);
        const hashed = rel.startsWith(`assets${sep}`);
        return reply.sendFile(rel, root, hashed ? { maxAge: '365d', immutable: true } : { maxAge: '1h' });
      }
    }
    return index(reply);
  };
  app.get(prefix, { schema: { hide: true } }, handler);
  app.get(`${prefix}/*`, { schema: { hide: true } }, handler);
}

function decodePath(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function notBuilt(reply: FastifyReply) {
  return reply
    .code(503)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Patron console not built</title></head>' +
        '<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">' +
        '<h1>The admin console is not built</h1>' +
        '<p>This server has no console files in <code>web/dist/admin</code>. Run <code>npm run build:web</code> ' +
        '(or <code>npm run build</code>) in the Patron folder, then reload this page. The API keeps working meanwhile.</p>' +
        '</body></html>',
    );
}
