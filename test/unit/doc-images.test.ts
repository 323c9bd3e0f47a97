// The screenshots the documentation shows: every image a Markdown page links exists, and every
// design-system screenshot (scripts/screenshots.ts --design) is shown in docs/DESIGN.md, so the
// document and the generated files cannot drift apart unnoticed.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const docs = join(root, 'docs');
const pages = [
  'README.md',
  ...readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The local image paths (`![…](path.png)`) of a Markdown file, as written. */
function imagesOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/!\[[^\]]*\]\(([^)\s]+\.(?:png|jpe?g|webp|svg))\)/g)].map((m) => m[1]);
}

describe('documentation images', () => {
  test('every image linked from README.md and docs/*.md exists', () => {
    const missing = pages.flatMap((file) =>
      imagesOf(file)
        .filter((src) => !/^https?:/.test(src) && !existsSync(join(root, dirname(file), src)))
        .map((src) => `${file}: ${src}`),
    );
    assert.deepEqual(missing, []);
  });

  test('docs/DESIGN.md shows every design-system screenshot (docs/screenshots/design-*.png)', () => {
    const shown = new Set(imagesOf('docs/DESIGN.md').map((src) => src.replace(/^screenshots\//, '')));
    const design = readdirSync(join(docs, 'screenshots')).filter((f) => /^design-.+\.png$/.test(f));
    assert.ok(design.length >= 10, `design screenshots found: ${design.length}`);
    assert.deepEqual(
      design.filter((f) => !shown.has(f)),
      [],
    );
  });
});
