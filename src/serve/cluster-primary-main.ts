/**
 * The program of a multi-process server's primary once the CLI has prepared the deployment
 * (configuration checked, lock taken, migrations applied): `serveCluster` (cluster.ts) replaces
 * the CLI's process with this one (`process.execve`: same pid, so the lock file, signals and the
 * service manager still see one process) so that the primary does not keep the application the
 * CLI loaded. It reads its plan from the environment, takes charge of the lock and runs the
 * primary (cluster-primary.ts).
 */
import { adoptDataDirLock } from '../db/data-dir-lock.ts';
import { announceLine, LEAN_PRIMARY_ENV, type LeanPrimaryPlan, runPrimary } from './cluster-primary.ts';

const raw = process.env[LEAN_PRIMARY_ENV];
if (!raw) {
  process.stderr.write(`${LEAN_PRIMARY_ENV} is not set: this program is started by \`comptoir serve\`.\n`);
  process.exit(2);
}
// The workers must not see it (they inherit this process's environment).
delete process.env[LEAN_PRIMARY_ENV];
const plan = JSON.parse(raw) as LeanPrimaryPlan;
const release = plan.lockDir ? adoptDataDirLock(plan.lockDir) : () => {};
runPrimary({
  count: plan.count,
  announce: (url) => process.stdout.write(`${announceLine(plan.json, url, plan.kind, plan.count)}\n`),
  release: async () => release(),
  exec: plan.exec,
});
