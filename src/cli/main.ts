/**
 * The CLI's entry point (npm start, bin/comptoir.js, tests). A server started without its
 * start-time V8 flag re-executes itself with it first (src/serve/start-flags.ts); the commands
 * (cli.ts) are imported only afterwards, so the process that is replaced has parsed almost nothing.
 */
import { reexecWithStartFlags } from '../serve/start-flags.ts';

reexecWithStartFlags();
await import('./cli.ts');
