/**
 * Worker thread building the text index (text-index.ts) with its own connection to the SQLite
 * file, so the server's event loop keeps answering; the arrays are transferred, not copied.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { buildTextIndexFrom, transferListOf } from './text-index.ts';

const { file } = workerData as { file: string };
const sqlite = new DatabaseSync(file);
try {
  const data = buildTextIndexFrom(sqlite);
  parentPort!.postMessage({ data }, transferListOf(data));
} finally {
  sqlite.close();
}
