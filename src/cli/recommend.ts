import { Command, InvalidArgumentError } from 'commander';
import { withServices } from './context.js';
import { out, printJson, progress } from './output.js';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of 1 or more`);
  return n;
};

export function recommendCommand(): Command {
  return new Command('recommend')
    .description('Make the co-purchase recommendation model of a program again from its orders')
    .requiredOption('--program <id>', 'the program (prg_…)')
    .option('--min-support <n>', 'baskets two items must share to be neighbours (default: as last time, first 3)', positive('--min-support'))
    .option('--top-k <n>', 'neighbours kept per item (default: as last time, first 20)', positive('--top-k'))
    .option('--max-basket <n>', 'orders with more distinct items are left out of the pair counting (default: as last time, first 100)', positive('--max-basket'))
    .option('--json', 'print the model as JSON')
    .addHelpText('after', ['', '`patron serve` does the same once a day when new orders came in.'].join('\n'))
    .action(async (opts: { program: string; minSupport?: number; topK?: number; maxBasket?: number; json?: boolean }) => {
      await withServices('recommend', async ({ services }) => {
        await services.programs.program(opts.program);
        progress(`Counting the items bought together in the orders of ${opts.program}…`);
        const m = await services.recommendations.refresh(opts.program, { min_support: opts.minSupport, top_k: opts.topK, max_basket: opts.maxBasket });
        if (opts.json) return printJson(m);
        out('Recommendations made:');
        out(`  baskets     ${m.baskets} orders (${m.skipped_baskets} over ${m.max_basket} items left out), data until ${m.data_until ?? '–'}`);
        out(`  items       ${m.items}`);
        out(`  neighbours  ${m.pairs} (support ≥ ${m.min_support}, top ${m.top_k} per item)`);
        out(`  took        ${(m.duration_ms / 1000).toFixed(1)} s`);
      });
    });
}
