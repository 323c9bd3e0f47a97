/** Re-export: the registry lives in src/lib so the database layer can record query timings too. */
export { metrics } from '../../lib/metrics.ts';
