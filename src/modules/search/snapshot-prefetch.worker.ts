/**
 * Worker thread of a server's start (src/serve/facts-prefetch.ts; issue 19, item 6): reads the
 * facts snapshot, checks its checksum and builds the browse index's arrays from its facts
 * (browse-index-build.ts), while the main thread loads the server's modules and builds its routes.
 * The bytes and the arrays are transferred, not copied; the main thread parses the snapshot from
 * those bytes as before, and the server's facts come with those arrays (browse-index.ts). Posts
 * null when there is no file; a file that does not parse is posted unverified, without arrays, so
 * that the main thread's parse reports what is wrong, as without this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildBrowseParts } from './browse-index-build.ts';
import { type PrefetchedSnapshot, parseFactsSnapshot, readSnapshotBytes } from './snapshot.ts';

const { path } = workerData as { path: string };
let read: PrefetchedSnapshot | undefined;
try {
  read = readSnapshotBytes(path);
  if (read)
    read = { ...read, verified: true, browse: buildBrowseParts(parseFactsSnapshot(read.bytes).memory) };
} catch {
  // Unreadable or damaged: the main thread reads it again and says why.
}
const buffers = new Set<ArrayBuffer>();
if (read) {
  buffers.add(read.bytes.buffer);
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
parentPort!.postMessage(read ? { ...read, threadCpuMs: (cpu.user + cpu.system) / 1000 } : null, [...buffers]);
