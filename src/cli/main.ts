/**
 * The CLI's entry point (npm start, bin/comptoir.js, tests). A server started without its
 * start-time V8 flag re-executes itself with it first (src/serve/start-flags.ts); the commands
 * (cli.ts) are imported only afterwards, so the process that is replaced has parsed almost nothing.
 * A server then keeps Node's compile cache in its data directory (serverCompileCache), and writes
 * it once its modules are loaded, so the next start skips most of their parsing and compiling.
 */
import { flushCompileCache } from 'node:module';
import { reexecWithStartFlags, serverCompileCache } from '../serve/start-flags.ts';

reexecWithStartFlags();
const cached = serverCompileCache();
await import('./cli.ts');
if (cached) flushCompileCache();
