#!/usr/bin/env node
// The `patron` command. Runs the TypeScript sources through tsx, so no build step is needed;
// `npm run build` emits dist/ for those who prefer `node dist/cli/main.js`.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
