// The search benchmarks' `--queries FILE` reader (bench/query-file.ts): the forms a person hands over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQueryFile, readQueryFile, searchPathOf } from '../../bench/query-file.ts';

describe('bench query file', () => {
  it('reads JSON lines with lng or lon, radius or radius_km, accents and capitals kept', () => {
    const f = parseQueryFile(
      [
        '# exported by hand',
        '{"q": "Sirop d\'Érable BIO", "lat": 45.4765, "lng": -75.7013, "radius_km": 5}',
        '',
        '{"q": "MIEL", "lat": 45.6, "lon": -75.9, "radius": 25, "category": "epicerie", "sort": "distance", "lang": "en"}',
        '{"q": "crème glacée", "lat": "45,47", "lon": "-75,70"}',
      ].join('\n'),
    );
    assert.equal(f.format, 'jsonl');
    assert.deepEqual(f.problems, []);
    assert.deepEqual(
      f.queries.map((x) => [x.line, x.params]),
      [
        [2, { q: "Sirop d'Érable BIO", lat: 45.4765, lng: -75.7013, radius_km: 5 }],
        [
          4,
          {
            q: 'MIEL',
            lat: 45.6,
            lng: -75.9,
            radius_km: 25,
            category: 'epicerie',
            sort: 'distance',
            lang: 'en',
          },
        ],
        [5, { q: 'crème glacée', lat: 45.47, lng: -75.7, radius_km: 10 }],
      ],
    );
  });

  it('reports bad lines with their numbers and keeps the good ones', () => {
    const f = parseQueryFile(
      [
        '{"q": "pain", "lat": 45.4, "lng": -75.7}',
        '{"q": "pain", "lat": 45.4',
        '{"q": "", "lat": 45.4, "lng": -75.7}',
        '{"q": "miel", "lat": 95, "lng": -75.7}',
        '{"q": "miel", "lat": 45.4, "lng": -75.7, "radius_km": 0}',
        '{"q": "miel", "lat": 45.4, "lng": -75.7, "sort": "cheapest"}',
        '{"query": "miel", "latitude": 45.4}',
        '["not", "an", "object"]',
      ].join('\n'),
    );
    assert.deepEqual(
      f.queries.map((x) => x.line),
      [1],
    );
    assert.deepEqual(
      f.problems.map((p) => p.line),
      [2, 3, 4, 5, 6, 7, 8],
    );
    assert.match(f.problems[0]!.message, /not JSON/);
    assert.match(f.problems[1]!.message, /no query text/);
    assert.match(f.problems[2]!.message, /latitude/);
    assert.match(f.problems[3]!.message, /radius/);
    assert.match(f.problems[4]!.message, /sort/);
    assert.match(f.problems[5]!.message, /no position/);
  });

  it('reads a JSON array, giving each item the line it starts on', () => {
    const f = parseQueryFile(
      '[\n  {"text": "fromage en grains", "latitude": 45.5, "longitude": -75.8},\n  {"text": "x"},\n  {"q": "bière IPA", "lat": 45.5, "lng": -75.8, "in_stock": true, "open_now": "oui"}\n]\n',
    );
    assert.equal(f.format, 'json');
    assert.deepEqual(
      f.queries.map((x) => [x.line, x.params.q, x.params.in_stock, x.params.open_now]),
      [
        [2, 'fromage en grains', undefined, undefined],
        [4, 'bière IPA', true, true],
      ],
    );
    assert.deepEqual(f.problems, [{ line: 3, message: 'no position (lat and lng/lon)' }]);
  });

  it('reads CSV with a BOM, quoted commas, doubled quotes and French decimal commas', () => {
    const f = parseQueryFile(
      '\uFEFFQuery,Latitude,Longitude,Radius\n' +
        '"sirop, miel, beurre","45,4765","-75,7013",2\n' +
        '"le ""vrai"" cheddar",45.43,-75.71,\n' +
        'Crème Glacée,45.43,-75.71,50\n' +
        'pain,45,47,-75.70,10\n',
    );
    assert.equal(f.format, 'csv');
    assert.deepEqual(
      f.queries.map((x) => [x.line, x.params]),
      [
        [2, { q: 'sirop, miel, beurre', lat: 45.4765, lng: -75.7013, radius_km: 2 }],
        [3, { q: 'le "vrai" cheddar', lat: 45.43, lng: -75.71, radius_km: 10 }],
        [4, { q: 'Crème Glacée', lat: 45.43, lng: -75.71, radius_km: 50 }],
      ],
    );
    assert.equal(f.problems.length, 1);
    assert.equal(f.problems[0]!.line, 5);
    assert.match(f.problems[0]!.message, /5 fields where the header has 4/);
  });

  it('reads semicolon CSV (unquoted decimal commas) and TSV, with CRLF and unknown columns', () => {
    const semi = parseQueryFile(
      '# from a spreadsheet\r\ntexte;lat;lon;rayon_km;catégorie;notes\r\nbottes d’hiver femme;45,59;-75,42;25;chaussures;vu en magasin\r\nmi;45,59;abc;5;;\r\n',
    );
    assert.deepEqual(
      semi.queries.map((x) => [x.line, x.params]),
      [[3, { q: 'bottes d’hiver femme', lat: 45.59, lng: -75.42, radius_km: 25, category: 'chaussures' }]],
    );
    assert.deepEqual(semi.problems.length, 1);
    assert.equal(semi.problems[0]!.line, 4);
    assert.match(semi.problems[0]!.message, /longitude "abc"/);
    assert.deepEqual(semi.ignored, ['notes']);

    const tsv = parseQueryFile('q\tlat\tlng\nde la\t46.3766\t-75.9644\n🍁 sirop\t45.6\t-76.4\n');
    assert.deepEqual(
      tsv.queries.map((x) => x.params.q),
      ['de la', '🍁 sirop'],
    );
  });

  it('refuses a CSV whose header lacks the text or the position', () => {
    const f = parseQueryFile('mot,lat\nmiel,45.4\n');
    assert.deepEqual(f.queries, []);
    assert.deepEqual(
      f.problems.map((p) => [p.line, p.message]),
      [
        [1, 'the header has no q/query/text column'],
        [1, 'the header has no lng/lon/longitude column'],
      ],
    );
  });

  it('writes the API query string of a search', () => {
    assert.equal(
      searchPathOf({
        q: 'crème & miel',
        lat: 45.5,
        lng: -75.7,
        radius_km: 10,
        in_stock: true,
        sort: 'distance',
      }),
      '/api/v1/search?per_page=20&q=cr%C3%A8me+%26+miel&lat=45.5&lng=-75.7&radius_km=10&in_stock=1&sort=distance',
    );
  });

  it('reads the held-out-like list of bench/data without a problem', () => {
    const f = readQueryFile(
      new URL('../../bench/data/shopper-queries-heldout-like.csv', import.meta.url).pathname,
    );
    assert.deepEqual(f.problems, []);
    assert.ok(f.queries.length >= 400);
    assert.ok(f.queries.some((x) => x.params.q === 'MIEL'));
  });
});
