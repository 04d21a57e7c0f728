// The console's API client is generated from Patron's own OpenAPI document; the committed files must be
// what the routes describe today, or the console's type check would not catch a changed contract.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_CLIENT_DIR, buildApiFiles } from '../scripts/api-generate.js';

describe('generated API client', () => {
  it('web/packages/api-client matches the API (else: run npm run api:generate)', async () => {
    const fresh = await buildApiFiles();
    const committed = {
      openapi: readFileSync(join(API_CLIENT_DIR, 'openapi.json'), 'utf8'),
      schema: readFileSync(join(API_CLIENT_DIR, 'schema.d.ts'), 'utf8'),
    };
    const stale = (['openapi', 'schema'] as const).filter((k) => fresh[k] !== committed[k]);
    expect(stale, 'the API changed: run npm run api:generate and commit web/packages/api-client').toEqual([]);
    expect(fresh.schema).toContain('"/v1/members"');
  });
});
