import { afterAll, describe, expect, it } from 'vitest';
import { cleanupCli, installation, json, patron, seedProgram, SLOW } from '../../../test/cli.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../main.js';

// `patron recommend`: the refresh from the command line, with its summary, its JSON and its errors.

afterAll(() => cleanupCli());

describe('patron recommend', () => {
  it('makes the model and prints what it counted', SLOW, async () => {
    const { env } = installation();
    const { programId } = await seedProgram(env);
    // Orders as a shop's import writes them: a and b together three times, c alone once.
    const db = await openDatabase(loadConfig(env));
    try {
      const orders = [['a', 'b'], ['a', 'b'], ['a', 'b'], ['c']];
      for (const [i, skus] of orders.entries()) {
        await db.query(
          `insert into orders (program_id, id, member_id, event_id, currency, amount, lines, occurred_at, created_at)
           values ($1, $2, null, $2, 'EUR', 0, $3::text::jsonb, now(), now())`,
          [programId, `o${i}`, JSON.stringify(skus.map((sku) => ({ sku, quantity: 1, unit_price: 100, refunded_quantity: 0 })))],
        );
      }
    } finally {
      await db.close();
    }
    const text = await patron(['recommend', '--program', programId], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/baskets\s+4 orders \(0 over 100 items left out\)/);
    expect(text.stdout).toMatch(/neighbours\s+2 \(support ≥ 3, top 20 per item\)/);
    const m = json<Record<string, unknown>>(await patron(['recommend', '--program', programId, '--min-support', '4', '--json'], env));
    expect(m).toMatchObject({ baskets: 4, items: 3, pairs: 0, min_support: 4 });

    const bad = await patron(['recommend', '--program', programId, '--min-support', '0'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--min-support must be a whole number/);
    const unknown = await patron(['recommend', '--program', 'prg_nope'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/prg_nope/);
  });
});
