// The entry of a worker thread on a TypeScript file when Patron runs from its sources: registers tsx in this
// thread (the main thread's loader hooks do not reach workers on Node 20), then imports the file named by
// the worker's first argument. Compiled Patron (dist/) starts its .js workers directly and never uses it.
import { argv } from 'node:process';
import { register } from 'tsx/esm/api';

register();
await import(argv[2]);
