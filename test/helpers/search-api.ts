/** Searches through the HTTP API of a test platform, as a visitor of the mini region. */
import assert from 'node:assert/strict';
import type { TestPlatform } from './platform.ts';

/** Aylmer (Gatineau), where the mini region's searches are made from. */
export const AYLMER = { lat: 45.3956, lng: -75.8436 };

/** The results of `GET /api/v1/search?q=…` within 25 km of Aylmer (the answer must be a 200). */
export async function searchNearAylmer<R>(p: TestPlatform, q: string): Promise<R[]> {
  const res = await p.app.inject({
    url: `/api/v1/search?q=${encodeURIComponent(q)}&lat=${AYLMER.lat}&lng=${AYLMER.lng}&radius_km=25`,
  });
  assert.equal(res.statusCode, 200);
  return (res.json() as { results: R[] }).results;
}
