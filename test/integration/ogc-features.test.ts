/**
 * OGC API - Features under /ogc against a small demo data set, and read by the outside client the
 * issue names: Debian's GDAL (ogrinfo, ogr2ogr) against the running server.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo/seed-demo.js';
import { listen } from '../support/browser.js';
import { skipWithoutFile } from '../support/required-tool.js';
import { createTestDatabase, silentLogger, testApp, testConfig, type TestDatabase } from '../support/services.js';

const run = promisify(execFile);

type Link = { href: string; rel: string; type?: string };
type FeatureCollection = { type: string; numberMatched: number; numberReturned: number; links: Link[]; features: { id: number; geometry: { type: string; coordinates: number[] }; properties: Record<string, unknown> }[] };

const GRAVES = 1_200;

describe('OGC API - Features', () => {
  let t: TestDatabase;
  let app: Express;
  let dir: string;
  let counts: { graves: number; cemeteries: number };

  beforeAll(async () => {
    t = await createTestDatabase('ogc');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-ogc-'));
    await seedDemo(t.db, silentLogger, { graves: GRAVES, seed: 'ogc', maxPhotos: 0, photosDir: path.join(dir, 'photos') });
    app = await testApp(t.db, { config: testConfig({ DATA_DIR: dir }) });
    counts = {
      graves: Number((await t.db('public_graves').count({ n: '*' }))[0]!.n),
      cemeteries: Number((await t.db('cemeteries').count({ n: '*' }))[0]!.n),
    };
  });
  afterAll(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const json = async (url: string) => {
    const res = await request(app).get(url).set('Accept', 'application/geo+json, application/json');
    return res;
  };
  const relative = (href: string) => href.replace(/^https?:\/\/[^/]+/, '');

  it('has a landing page, conformance classes and the OpenAPI 3.0 definition, linked from each other', async () => {
    const landing = await json('/ogc');
    expect(landing.status).toBe(200);
    expect(landing.type).toBe('application/json');
    const rels = (landing.body as { links: Link[] }).links.map((l) => l.rel);
    expect(rels).toEqual(expect.arrayContaining(['self', 'alternate', 'service-desc', 'conformance', 'data']));
    const conformance = await json('/ogc/conformance');
    expect(conformance.body.conformsTo).toEqual(expect.arrayContaining([
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
    ]));
    const api = await request(app).get('/ogc/api');
    expect(api.status).toBe(200);
    expect(api.headers['content-type']).toMatch(/^application\/vnd\.oai\.openapi\+json;\s*version=3\.0/);
    const doc = JSON.parse(api.text) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/', '/conformance', '/collections', '/collections/{collectionId}', '/collections/{collectionId}/items', '/collections/{collectionId}/items/{featureId}']));
  });

  it('lists the four collections with CRS84 extents', async () => {
    const res = await json('/ogc/collections');
    const collections = (res.body as { collections: { id: string; crs: string[]; extent?: { spatial: { bbox: number[][] } } }[] }).collections;
    expect(collections.map((c) => c.id)).toEqual(['cemeteries', 'graves', 'provinces', 'provinces-2008-2025']);
    for (const c of collections) expect(c.crs).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84']);
    const [minLng, minLat, maxLng, maxLat] = collections.find((c) => c.id === 'graves')!.extent!.spatial.bbox[0]!;
    expect(minLng).toBeGreaterThan(100);
    expect(maxLng).toBeLessThan(110);
    expect(minLat).toBeGreaterThan(8);
    expect(maxLat).toBeLessThan(24);
  });

  it('pages through every grave with next links, each once, numberMatched the public count', async () => {
    let url: string | undefined = '/ogc/collections/graves/items?limit=250';
    const seen = new Set<number>();
    let pages = 0;
    while (url) {
      const res = await json(url);
      expect(res.status, url).toBe(200);
      expect(res.type).toBe('application/geo+json');
      const page = res.body as FeatureCollection;
      expect(page.numberMatched).toBe(counts.graves);
      expect(page.numberReturned).toBe(page.features.length);
      for (const f of page.features) {
        expect(seen.has(f.id), `feature ${f.id} twice`).toBe(false);
        seen.add(f.id);
        expect(f.geometry.type).toBe('Point');
      }
      pages++;
      const next = page.links.find((l) => l.rel === 'next');
      url = next ? relative(next.href) : undefined;
    }
    expect(seen.size).toBe(counts.graves);
    expect(pages).toBe(Math.ceil(counts.graves / 250));
  });

  it('goes back with prev to exactly the page before', async () => {
    const first = (await json('/ogc/collections/graves/items?limit=50')).body as FeatureCollection;
    expect(first.links.some((l) => l.rel === 'prev')).toBe(false);
    const second = (await json(relative(first.links.find((l) => l.rel === 'next')!.href))).body as FeatureCollection;
    const back = (await json(relative(second.links.find((l) => l.rel === 'prev')!.href))).body as FeatureCollection;
    expect(back.features.map((f) => f.id)).toEqual(first.features.map((f) => f.id));
  });

  it('serves grave properties: plot, state, cemetery, public martyr names and page links', async () => {
    const page = (await json('/ogc/collections/graves/items?limit=100&state=identified')).body as FeatureCollection;
    expect(page.features.length).toBeGreaterThan(0);
    for (const f of page.features) expect(f.properties.state).toBe('identified');
    const named = page.features.find((f) => f.properties.martyr_names)!;
    expect(named.properties).toMatchObject({ cemetery_id: expect.any(Number), cemetery_name: expect.any(String), province_code: expect.any(String) });
    expect(named.properties.url).toMatch(new RegExp(`/mo/${named.id}$`));
    const martyr = await t.db('public_martyrs').where({ grave_id: named.id }).orderBy('id').first();
    expect(String(named.properties.martyr_names)).toContain(martyr.full_name);
    const one = await json(`/ogc/collections/graves/items/${named.id}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(named.id);
    expect((one.body.links as Link[]).map((l) => l.rel)).toEqual(expect.arrayContaining(['self', 'alternate', 'collection']));
  });

  it('writes a page as compact GeoJSON, each feature as its own item says, quotes and line breaks escaped', async () => {
    const grave = Number((await t.db('public_headstones').orderBy('id').first('id')).id);
    await t.db('graves').where({ id: grave }).update({ inscription: 'Tổ quốc ghi công\n"Liệt sĩ" \\ Trường Sơn\t1972' });
    const res = await request(app).get(`/ogc/collections/graves/items?limit=20${grave > 1 ? `&after=${grave - 1}` : ''}`).set('Host', 'portal.test').set('Accept', 'application/geo+json');
    expect(res.status).toBe(200);
    // The spliced text is exactly what JSON.stringify writes of the same document (no spacing, same key order).
    expect(res.text).toBe(JSON.stringify(JSON.parse(res.text)));
    const page = JSON.parse(res.text) as FeatureCollection;
    expect(Object.keys(page)).toEqual(['type', 'numberMatched', 'numberReturned', 'links', 'features']);
    const feature = page.features[0]!;
    expect(feature.id).toBe(grave);
    expect(Object.keys(feature)).toEqual(['type', 'id', 'geometry', 'properties']);
    expect(feature.properties.inscription).toBe('Tổ quốc ghi công\n"Liệt sĩ" \\ Trường Sơn\t1972');
    expect(feature.properties).toMatchObject({ position_approximate: expect.any(Boolean), martyr_count: expect.any(Number), cemetery_id: expect.any(Number), url: `http://portal.test/mo/${grave}` });
    expect(Object.keys(feature.properties).at(-1)).toBe('url');
    const one = await request(app).get(`/ogc/collections/graves/items/${grave}`).set('Host', 'portal.test').set('Accept', 'application/geo+json');
    const { links: _links, ...alone } = one.body as Record<string, unknown>;
    expect(alone).toEqual(feature);

    // A grave of several public martyrs lists them in id order, names, ids and years alike.
    const shared = await t.db('public_martyrs').whereNotNull('grave_id').groupBy('grave_id').havingRaw('count(*) > 1').orderBy('grave_id').first('grave_id');
    expect(shared, 'the demo data has a grave shared by public martyrs').toBeTruthy();
    const sharedId = Number(shared.grave_id);
    const martyrs = await t.db('public_martyrs').where({ grave_id: sharedId }).orderBy('id').select('id', 'full_name', 'death_year');
    const inPage = (await json(`/ogc/collections/graves/items?limit=1${sharedId > 1 ? `&after=${sharedId - 1}` : ''}`)).body as FeatureCollection;
    expect(inPage.features[0]!.id).toBe(sharedId);
    expect(inPage.features[0]!.properties).toMatchObject({
      martyr_count: martyrs.length,
      martyr_ids: martyrs.map((m) => m.id).join(';'),
      martyr_names: martyrs.map((m) => m.full_name).join('; '),
      martyr_death_years: martyrs.map((m) => m.death_year ?? '').join(';'),
    });
  });

  it('filters by cemetery, province, state and deathYear, and by bbox', async () => {
    const grave = await t.db('public_graves as g').join('cemeteries as c', 'c.id', 'g.cemetery_id').select('g.cemetery_id', 'c.province_code').first();
    const byCemetery = (await json(`/ogc/collections/graves/items?cemetery=${grave.cemetery_id}&limit=10000`)).body as FeatureCollection;
    const inCemetery = Number((await t.db('public_graves').where({ cemetery_id: grave.cemetery_id }).count({ n: '*' }))[0]!.n);
    expect(byCemetery.numberMatched).toBe(inCemetery);
    expect(byCemetery.features.every((f) => f.properties.cemetery_id === grave.cemetery_id)).toBe(true);
    const byProvince = (await json(`/ogc/collections/cemeteries/items?province=${grave.province_code}`)).body as FeatureCollection;
    expect(byProvince.features.every((f) => f.properties.province_code === grave.province_code)).toBe(true);
    const year = (await t.db('public_martyrs').whereNotNull('grave_id').whereNotNull('death_year').first()).death_year as number;
    const byYear = (await json(`/ogc/collections/graves/items?deathYear=${year}&limit=10000`)).body as FeatureCollection;
    expect(byYear.numberMatched).toBeGreaterThan(0);
    for (const f of byYear.features) expect(String(f.properties.martyr_death_years).split(';').map(Number).concat(Number(f.properties.known_death_year))).toContain(year);
    const unknown = (await json('/ogc/collections/graves/items?state=unknown&limit=10000')).body as FeatureCollection;
    expect(unknown.features.every((f) => f.properties.state === 'unknown' && !f.properties.martyr_names)).toBe(true);
    // A box around the first cemetery holds its graves and no grave outside the box.
    const [lng, lat] = byCemetery.features[0]!.geometry.coordinates as [number, number];
    const box = [lng - 0.01, lat - 0.01, lng + 0.01, lat + 0.01];
    const inBox = (await json(`/ogc/collections/graves/items?bbox=${box.join(',')}&limit=10000`)).body as FeatureCollection;
    expect(inBox.features.length).toBeGreaterThan(0);
    for (const f of inBox.features) {
      const [x, y] = f.geometry.coordinates as [number, number];
      expect(x >= box[0]! && x <= box[2]! && y >= box[1]! && y <= box[3]!).toBe(true);
    }
  });

  it('serves limit above 10,000 as 10,000 and refuses 0, negatives and words with an OGC exception', async () => {
    const big = (await json('/ogc/collections/graves/items?limit=50000')).body as FeatureCollection;
    expect(big.numberReturned).toBe(Math.min(counts.graves, 10_000));
    for (const limit of ['0', '-5', 'many', '1.5']) {
      const res = await json(`/ogc/collections/graves/items?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.body).toEqual({ code: 'InvalidParameterValue', description: expect.stringContaining('limit') });
    }
  });

  it('answers bad parameters 400 and unknown things 404, in the OGC exception shape', async () => {
    const cases: [string, number, string][] = [
      ['/ogc/collections/graves/items?bbox=100,8,200,24', 400, 'bbox'],
      ['/ogc/collections/graves/items?bbox=1,2,3', 400, 'bbox'],
      ['/ogc/collections/graves/items?bbox=106,20,105,21', 400, 'bbox'],
      ['/ogc/collections/graves/items?after=abc', 400, 'after'],
      ['/ogc/collections/graves/items?f=xml', 400, 'f'],
      ['/ogc/collections/graves/items?colour=red', 400, 'colour'],
      ['/ogc/collections/graves/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857', 400, 'crs'],
      ['/ogc/collections/provinces/items?state=unknown', 400, 'state'],
      ['/ogc/collections/graves/items?province=atlantis', 400, 'province'],
      ['/ogc?f=xml', 400, 'f'],
      ['/ogc/collections/churches/items', 404, 'churches'],
      ['/ogc/collections/churches', 404, 'churches'],
      ['/ogc/collections/graves/items/999999999', 404, '999999999'],
      ['/ogc/collections/graves/items/not-an-id', 404, 'not-an-id'],
      ['/ogc/nothing-here', 404, 'nothing-here'],
    ];
    for (const [url, status, mentions] of cases) {
      const res = await json(url);
      expect(res.status, url).toBe(status);
      expect(res.type, url).toBe('application/json');
      expect(res.body, url).toEqual({ code: status === 400 ? 'InvalidParameterValue' : 'NotFound', description: expect.stringContaining(mentions) });
    }
  });

  it('gives browsers HTML (by Accept or f=html) and clients GeoJSON', async () => {
    const html = await request(app).get('/ogc/collections/graves/items?limit=5').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(html.status).toBe(200);
    expect(html.type).toBe('text/html');
    expect(html.text).toContain('href="/ogc/collections/graves/items/');
    expect(html.text).toContain('rel="next"');
    const forced = await request(app).get('/ogc/collections?f=html').set('Accept', 'application/json');
    expect(forced.type).toBe('text/html');
    const forcedJson = await request(app).get('/ogc/collections/cemeteries/items?f=json').set('Accept', 'text/html');
    expect(forcedJson.type).toBe('application/geo+json');
    const notFound = await request(app).get('/ogc/collections/churches').set('Accept', 'text/html');
    expect(notFound.status).toBe(404);
    expect(notFound.type).toBe('text/html');
    for (const url of ['/ogc', '/ogc/conformance', '/ogc/api?f=html', '/ogc/collections/graves', '/ogc/collections/graves/items/1?f=html']) {
      const res = await request(app).get(url).set('Accept', 'text/html');
      expect(res.status, url).toBeLessThan(500);
    }
  });

  it('carries an ETag on items pages and answers a revalidation 304', async () => {
    // supertest serves each request on a new port: the links (absolute) would differ with the Host.
    const first = await request(app).get('/ogc/collections/graves/items?limit=100').set('Host', 'portal.test');
    expect(first.headers.etag).toBeTruthy();
    const again = await request(app).get('/ogc/collections/graves/items?limit=100').set('Host', 'portal.test').set('If-None-Match', first.headers.etag!);
    expect(again.status, `${first.headers.etag} then ${again.headers.etag}`).toBe(304);
  });

  it('limits requests per address, answering 429 in the OGC shape with Retry-After', async () => {
    const limited = await testApp(t.db, { config: testConfig({ DATA_DIR: dir, OGC_RATE_LIMIT_PER_MINUTE: '3' }) });
    // Counted in PostgreSQL for every app server alike: this address starts from a clean slate.
    await t.db('rate_limit_counters').where('key', 'like', 'ogc:%').del();
    for (let i = 0; i < 3; i++) expect((await request(limited).get('/ogc/conformance')).status).toBe(200);
    const refused = await request(limited).get('/ogc/conformance');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body).toEqual({ code: 'TooManyRequests', description: expect.any(String) });
    // One counter row per address and minute, not a row per request; the refused request took nothing.
    expect(await t.db('rate_limit_counters').where('key', 'like', 'ogc:%').sum({ n: 'hits' }).first()).toEqual({ n: 3 });
    expect(await t.db('rate_limit_hits').where('key', 'like', 'ogc:%').count({ n: '*' }).first()).toEqual({ n: 0 });
    // Another app server, same database: the same count, the same refusal.
    const other = await testApp(t.db, { config: testConfig({ DATA_DIR: dir, OGC_RATE_LIMIT_PER_MINUTE: '3' }) });
    expect((await request(other).get('/ogc/conformance')).status).toBe(429);
    await t.db('rate_limit_counters').where('key', 'like', 'ogc:%').del();
  });

  describe('read by GDAL', () => {
    const noGdal = skipWithoutFile('/usr/bin/ogrinfo', 'GDAL (ogrinfo, ogr2ogr)', 'install it with `apt-get install -y gdal-bin` (scripts/install-system-deps.sh does)');
    let server: Awaited<ReturnType<typeof listen>> | undefined;
    beforeAll(async () => {
      if (!noGdal) server = await listen(app);
    });
    afterAll(async () => server?.close());

    it.skipIf(noGdal)('ogrinfo lists the graves layer with its fields and feature count', async () => {
      const { stdout } = await run('ogrinfo', ['-ro', '-so', `OAPIF:${server!.base}/ogc`, 'graves'], { timeout: 60_000 });
      expect(stdout).toContain('Layer name: graves');
      expect(stdout).toMatch(/Geometry: Point/);
      expect(stdout).toContain(`Feature Count: ${counts.graves}`);
      for (const field of ['state', 'cemetery_name', 'martyr_names', 'plot_number', 'url']) expect(stdout).toMatch(new RegExp(`^${field}: `, 'm'));
    });

    it.skipIf(noGdal)('ogr2ogr copies every cemetery into a GeoPackage with its geometry', async () => {
      const out = path.join(dir, 'cemeteries.gpkg');
      await run('ogr2ogr', ['-f', 'GPKG', out, `OAPIF:${server!.base}/ogc`, 'cemeteries'], { timeout: 120_000 });
      expect(existsSync(out)).toBe(true);
      const { stdout } = await run('ogrinfo', ['-ro', '-so', out, 'cemeteries']);
      expect(stdout).toContain(`Feature Count: ${counts.cemeteries}`);
      expect(stdout).toMatch(/Geometry: Point/);
      const sql = await run('ogrinfo', ['-ro', out, '-sql', 'SELECT count(*) AS n FROM cemeteries WHERE ST_X(geom) BETWEEN 102 AND 110 AND ST_Y(geom) BETWEEN 8 AND 24']);
      expect(sql.stdout).toContain(`n (Integer) = ${counts.cemeteries}`);
    });
  });
});
