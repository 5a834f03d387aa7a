/**
 * /du-lieu-mo: the national files built by the job on the queue from one snapshot (CSV, GeoJSON,
 * GeoJSON Lines, GeoPackage), served with ETag and Range; per-province files streamed on demand;
 * the data dictionary naming every column; the licence; DCAT; refusals and the per-address limit.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo/seed-demo.js';
import { startJobQueue } from '../../server/jobs/job-queue.js';
import { DATASETS } from '../../server/opendata/datasets.js';
import { buildNationalFiles, storedPath } from '../../server/opendata/downloads.service.js';
import { OPEN_DATA_JOB, registerOpenDataJob } from '../../server/opendata/opendata.job.js';
import { listOpenDataFiles } from '../../server/opendata/files.queries.js';
import { skipWithoutFile } from '../support/required-tool.js';
import { createTestDatabase, silentLogger, testApp, testConfig, type TestDatabase } from '../support/services.js';
import { binary } from '../support/http-body.js';

const run = promisify(execFile);
const csvRows = (text: string) => parse(text.replace(/^\uFEFF/, ''), { columns: true, bom: true }) as Record<string, string>[];

describe('open data downloads', () => {
  let t: TestDatabase;
  let app: Express;
  let dir: string;
  let count: { graves: number; cemeteries: number; martyrs: number };

  beforeAll(async () => {
    t = await createTestDatabase('downloads');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-downloads-'));
    await seedDemo(t.db, silentLogger, { graves: 600, seed: 'tai-ve', maxPhotos: 0, photosDir: path.join(dir, 'photos') });
    app = await testApp(t.db, { config: testConfig({ DATA_DIR: dir, PUBLIC_BASE_URL: 'https://portal.example.vn' }) });
    const n = async (table: string) => Number((await t.db(table).count({ n: '*' }))[0]!.n);
    count = { graves: await n('public_graves'), cemeteries: await n('cemeteries'), martyrs: await n('public_martyrs') };
  });
  afterAll(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('says a national file is being prepared before the first build, and the page says so too', async () => {
    const res = await request(app).get('/du-lieu-mo/graves.csv');
    expect(res.status).toBe(503);
    const page = await request(app).get('/du-lieu-mo').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('đang được lập');
  });

  it('builds the national files on the job queue, one snapshot, with their feed cursor', async () => {
    const config = testConfig({ DATABASE_URL: t.url, DATA_DIR: dir, PUBLIC_BASE_URL: 'https://portal.example.vn' });
    const queue = await startJobQueue(t.url, silentLogger, { schedule: false });
    try {
      await registerOpenDataJob(queue.boss, t.db, config, silentLogger);
      const jobId = await queue.boss.send(OPEN_DATA_JOB, {});
      let state: string | undefined;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline && state !== 'completed' && state !== 'failed'; ) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = (await queue.boss.getJobById(OPEN_DATA_JOB, jobId!))?.state;
      }
      expect(state).toBe('completed');
    } finally {
      await queue.stop();
    }
    const files = await listOpenDataFiles(t.db);
    expect(files.map((f) => f.name).sort()).toEqual(['cemeteries.csv', 'cemeteries.geojson', 'cemeteries.gpkg', 'graves.csv', 'graves.geojsonl', 'martyrs.csv', 'martyrs.geojsonl'].sort());
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    expect(Number(byName['graves.csv']!.row_count)).toBe(count.graves);
    expect(Number(byName['martyrs.geojsonl']!.row_count)).toBe(count.martyrs);
    expect(new Set(files.map((f) => f.feed_cursor)).size).toBe(1);
  });

  it('writes CSV with every dictionary column, one row per public record, and GeoJSON that parses', async () => {
    const files = Object.fromEntries((await listOpenDataFiles(t.db)).map((f) => [f.name, f]));
    const graves = csvRows(await readFile(storedPath(dir, files['graves.csv']!), 'utf8'));
    expect(graves.length).toBe(count.graves);
    expect(Object.keys(graves[0]!)).toEqual(DATASETS.graves.columns.map((c) => c.name));
    expect(graves[0]!.url).toMatch(/^https:\/\/portal\.example\.vn\/mo\/\d+$/);
    const martyrs = csvRows(await readFile(storedPath(dir, files['martyrs.csv']!), 'utf8'));
    expect(Object.keys(martyrs[0]!)).toEqual(DATASETS.martyrs.columns.map((c) => c.name));
    expect(martyrs.every((m) => !m.birth_date || /^\d{4}(-\d{2}(-\d{2})?)?$/.test(m.birth_date))).toBe(true);
    const lines = (await readFile(storedPath(dir, files['graves.geojsonl']!), 'utf8')).trim().split('\n');
    expect(lines.length).toBe(count.graves);
    for (const line of lines.slice(0, 50)) expect(JSON.parse(line)).toMatchObject({ type: 'Feature', geometry: { type: 'Point' }, properties: { state: expect.any(String) } });
    const collection = JSON.parse(await readFile(storedPath(dir, files['cemeteries.geojson']!), 'utf8')) as { type: string; features: unknown[] };
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features.length).toBe(count.cemeteries);
  });

  it.skipIf(skipWithoutFile('/usr/bin/ogrinfo', 'GDAL (ogrinfo)', 'apt-get install -y gdal-bin'))('builds the cemeteries GeoPackage GDAL reads back whole', async () => {
    const file = (await listOpenDataFiles(t.db)).find((f) => f.name === 'cemeteries.gpkg')!;
    const { stdout } = await run('ogrinfo', ['-ro', '-so', storedPath(dir, file), 'cemeteries']);
    expect(stdout).toContain(`Feature Count: ${count.cemeteries}`);
    expect(stdout).toMatch(/Geometry: Point/);
  });

  it('serves a national file with a strong ETag, a 304 on revalidation, and byte ranges', async () => {
    const file = (await listOpenDataFiles(t.db)).find((f) => f.name === 'graves.csv')!;
    const whole = await request(app).get('/du-lieu-mo/graves.csv').buffer(true).parse(binary);
    expect(whole.status).toBe(200);
    expect(whole.headers.etag).toBe(`"${file.sha256}"`);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-disposition']).toContain('attachment');
    expect(whole.headers['x-feed-cursor']).toBe(file.feed_cursor);
    const body = whole.body as Buffer;
    expect(body.length).toBe(Number(file.bytes));
    const again = await request(app).get('/du-lieu-mo/graves.csv').set('If-None-Match', whole.headers.etag!);
    expect(again.status).toBe(304);
    const part = await request(app).get('/du-lieu-mo/graves.csv').set('Range', 'bytes=100-199').buffer(true).parse(binary);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${body.length}`);
    expect((part.body as Buffer).equals(body.subarray(100, 200))).toBe(true);
    // A resumed download whose copy is older gets the whole new file, not a wrong piece of it.
    const stale = await request(app).get('/du-lieu-mo/graves.csv').set('Range', 'bytes=100-199').set('If-Range', '"0000"').buffer(true).parse(binary);
    expect(stale.status).toBe(200);
  });

  it("streams a province's files on demand: only its records", async () => {
    const cemetery = await t.db('cemeteries as c').join('provinces as p', 'p.code', 'c.province_code').first('c.province_code', 'p.slug');
    const inProvince = Number((await t.db('public_graves as g').join('cemeteries as c', 'c.id', 'g.cemetery_id').where('c.province_code', cemetery.province_code).count({ n: '*' }))[0]!.n);
    const res = await request(app).get(`/du-lieu-mo/tinh/${cemetery.slug}/graves.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const rows = csvRows(res.text);
    expect(rows.length).toBe(inProvince);
    expect(rows.every((r) => r.province_code === cemetery.province_code)).toBe(true);
    const lines = await request(app).get(`/du-lieu-mo/tinh/${cemetery.slug}/graves.geojsonl`).buffer(true).parse(binary);
    expect((lines.body as Buffer).toString('utf8').trim().split('\n').length).toBe(inProvince);
    const cemeteries = await request(app).get(`/du-lieu-mo/tinh/${cemetery.slug}/cemeteries.geojson`).buffer(true).parse(binary);
    const parsed = JSON.parse((cemeteries.body as Buffer).toString('utf8')) as { features: { properties: { province_code: string } }[] };
    expect(parsed.features.length).toBeGreaterThan(0);
    expect(parsed.features.every((f) => f.properties.province_code === cemetery.province_code)).toBe(true);
    const martyrs = await request(app).get(`/du-lieu-mo/tinh/${cemetery.slug}/martyrs.csv`);
    expect(martyrs.status).toBe(200);
  });

  it('answers an unknown province, data set or format with a 404 page, never a 500', async () => {
    for (const url of ['/du-lieu-mo/tinh/atlantis/graves.csv', '/du-lieu-mo/tinh/ha-noi/graves.xlsx', '/du-lieu-mo/tinh/ha-noi/cemeteries.gpkg', '/du-lieu-mo/photos.csv', '/du-lieu-mo/graves.gpkg', '/du-lieu-mo/..%2F..%2Fetc%2Fpasswd']) {
      const res = await request(app).get(url).set('Accept', 'text/html');
      expect(res.status, url).toBe(404);
      expect(res.type, url).toBe('text/html');
    }
  });

  it('shows the page with files, dictionary, licence and a DCAT catalogue, in both languages', async () => {
    const vi = await request(app).get('/du-lieu-mo').set('Accept', 'text/html');
    expect(vi.status).toBe(200);
    expect(vi.text).toContain('CC BY 4.0');
    expect(vi.text).toContain('href="/du-lieu-mo/graves.csv"');
    for (const column of DATASETS.graves.columns) expect(vi.text).toContain(`<code>${column.name}</code>`);
    const block = /<script type="application\/ld\+json">([^<]+)<\/script>/.exec(vi.text)![1]!;
    const dcat = JSON.parse(block) as { '@type': string; dataset: { distribution: { downloadURL: string }[] }[] };
    expect(dcat['@type']).toBe('Catalog');
    expect(dcat.dataset.flatMap((d) => d.distribution.map((x) => x.downloadURL))).toContain('https://portal.example.vn/du-lieu-mo/graves.csv');
    const en = await request(app).get('/du-lieu-mo?lang=en').set('Accept', 'text/html');
    expect(en.text).toContain('Data dictionary');
    const dictionary = await request(app).get('/du-lieu-mo/tu-dien.json');
    expect(dictionary.body.licence).toEqual({ name: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' });
    for (const d of dictionary.body.datasets as { columns: { vi: string; en: string }[] }[]) for (const c of d.columns) expect(c.vi && c.en).toBeTruthy();
  });

  it('takes a configured licence', async () => {
    const other = await testApp(t.db, { config: testConfig({ DATA_DIR: dir, OPEN_DATA_LICENCE: 'ODbL 1.0', OPEN_DATA_LICENCE_URL: 'https://opendatacommons.org/licenses/odbl/1-0/' }) });
    const page = await request(other).get('/du-lieu-mo').set('Accept', 'text/html');
    expect(page.text).toContain('ODbL 1.0');
    expect(page.text).toContain('https://opendatacommons.org/licenses/odbl/1-0/');
  });

  it('limits file downloads per address', async () => {
    await t.db('rate_limit_counters').where('key', 'like', 'download:%').del();
    const limited = await testApp(t.db, { config: testConfig({ DATA_DIR: dir, DOWNLOAD_RATE_LIMIT_PER_HOUR: '2' }) });
    expect((await request(limited).get('/du-lieu-mo/cemeteries.csv')).status).toBe(200);
    expect((await request(limited).get('/du-lieu-mo/cemeteries.csv')).status).toBe(200);
    const refused = await request(limited).get('/du-lieu-mo/cemeteries.csv').set('Accept', 'text/html');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    // The page itself is not limited.
    expect((await request(limited).get('/du-lieu-mo')).status).toBe(200);
    await t.db('rate_limit_counters').where('key', 'like', 'download:%').del();
  });

  it('a second build replaces the first and leaves no stale file behind', async () => {
    const before = await listOpenDataFiles(t.db);
    await t.db('graves').where({ id: (await t.db('graves').first('id')).id }).update({ plot_number: '9999' });
    const result = await buildNationalFiles(t.db, dir, 'https://portal.example.vn', silentLogger);
    expect(result.skipped).toBe(false);
    const after = await listOpenDataFiles(t.db);
    expect(after.find((f) => f.name === 'graves.csv')!.sha256).not.toBe(before.find((f) => f.name === 'graves.csv')!.sha256);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(path.join(dir, 'open-data'))).sort()).toEqual(after.map((f) => path.basename(storedPath(dir, f))).sort());
  });
});
