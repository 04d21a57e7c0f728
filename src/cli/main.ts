// The `patron` command line (bin/patron.js runs it). The commands are in program.ts and one file each.
import { quietOnClosedStdout } from './output.js';
import { run } from './program.js';

quietOnClosedStdout();
process.exitCode = await run(process.argv);
