// Part of `npm install`/`npm ci`: builds the admin console into web/dist/admin, so that `npm start` serves
// it with no extra command. An install without dev dependencies (no Vite) skips it with a notice.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('vite/package.json');
} catch {
  console.log('patron: Vite is not installed (production install); the console is not built. Run `npm run build:web` with dev dependencies.');
  process.exit(0);
}
const { build } = await import('vite');
await build({ logLevel: 'warn' });
console.log('patron: built the admin console into web/dist/admin');
