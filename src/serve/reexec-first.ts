/**
 * Imported first by src/cli/main.ts: a module's top level runs before any later import's, so a
 * server missing its start-time V8 flag re-executes before the rest of the CLI is evaluated
 * (start-flags.ts). The graph is still parsed once: about 1.2 s of CPU at start on this machine.
 */
import { reexecWithStartFlags } from './start-flags.ts';

reexecWithStartFlags();
