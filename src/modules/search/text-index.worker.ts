/**
 * Worker thread building the text index (text-index.ts) with its own connection to the SQLite
 * file, so the server's event loop keeps answering; the arrays are transferred, not copied.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { buildTextIndexFrom } from './text-index.ts';

const { file } = workerData as { file: string };
const sqlite = new DatabaseSync(file);
try {
  const data = buildTextIndexFrom(sqlite);
  const arrays = [
    data.termBytes,
    data.termOff,
    data.postOff,
    data.postings,
    data.df,
    data.denseSlot,
    data.denseBits,
    data.docLen,
  ];
  parentPort!.postMessage(
    { data },
    arrays.map((a) => a.buffer as ArrayBuffer),
  );
} finally {
  sqlite.close();
}
