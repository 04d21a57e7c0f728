// The `patron` command line (bin/patron.js runs it). The commands are in program.ts and one file each.
import { run } from './program.js';

process.exitCode = await run(process.argv);
