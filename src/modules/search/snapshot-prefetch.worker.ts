/**
 * Worker thread of a server's start (src/serve/facts-prefetch.ts; issue 19, item 6): reads the
 * facts snapshot, checks its checksum and parses it, browse index's arrays included (snapshot.ts,
 * browse-index-build.ts), while the main thread loads the server's modules and builds its routes.
 * The bytes (which hold those arrays) are transferred, not copied; the main thread parses the
 * snapshot from those bytes as before, and the server's facts come with those arrays
 * (browse-index.ts). Posts null when there is no file; a file that does not parse is posted
 * unverified, without arrays, so that the main thread's parse reports what is wrong, as without
 * this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type PrefetchedSnapshot, parseFactsSnapshot, readSnapshotBytes } from './snapshot.ts';

const { path } = workerData as { path: string };
const cpuMs = () => {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
};
const steps = { startMs: cpuMs(), readMs: 0, checkMs: 0 };
let read: PrefetchedSnapshot | undefined;
try {
  read = readSnapshotBytes(path);
  const readAt = cpuMs();
  steps.readMs = readAt - steps.startMs;
  if (read) {
    // The file holds the browse index's arrays (views on its bytes): nothing to build.
    const { browse } = parseFactsSnapshot(read.bytes, false, true, read.tail);
    steps.checkMs = cpuMs() - readAt;
    read = { ...read, verified: true, browse };
  }
} catch {
  // Unreadable or damaged: the main thread reads it again and says why.
}
const buffers = new Set<ArrayBuffer>();
if (read) {
  buffers.add(read.bytes.buffer);
  if (read.tail) buffers.add(read.tail.buffer);
  const b = read.browse;
  if (b)
    for (const a of [
      b.start,
      b.ids,
      b.builtMerchant,
      b.group,
      b.groupKeys,
      b.categoryBits,
      b.groupSize,
      b.groupMember,
      b.sharedLate,
      ...Object.values(b.table),
    ])
      buffers.add(a.buffer as ArrayBuffer);
}
const cpu = process.threadCpuUsage();
parentPort!.postMessage(
  read ? { ...read, threadCpuMs: (cpu.user + cpu.system) / 1000, stepsCpuMs: steps } : null,
  [...buffers],
);
