/**
 * The one visibility rule on the open-data surfaces: /ogc (every collection, every page, every
 * feature), the downloads (national files from the job, a province's files on demand), the change
 * feed, and the linked data of the pages, against the privacy matrix's three graves where a
 * confidential martyr lies (alone; in a collective grave beside a public martyr; linked to a grave
 * whose headstone carries a partial name). The setup is copied from privacy-matrix.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNationalFiles, storedPath } from '../../server/opendata/downloads.service.js';
import { listOpenDataFiles } from '../../server/opendata/files.queries.js';
import { slugify } from '../../server/text/vietnamese.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, type TestDatabase } from '../support/services.js';
import { secretChecker } from '../support/secrets.js';

const CONFIDENTIAL = {
  alone: { full_name: 'Lê Văn Kín Đáo', unit: 'Trung đoàn Kín Đáo 901', hometown_text: 'Xóm Kín Đáo, Hà Tĩnh', place_of_death: 'Đồi Kín Đáo 902' },
  collective: { full_name: 'Lý Văn Ẩn Danh', unit: 'Tiểu đoàn Ẩn Danh 903', hometown_text: 'Làng Ẩn Danh, Nghệ An', place_of_death: 'Suối Ẩn Danh 904' },
  partial: { full_name: 'Tạ Văn Giấu Tên', unit: 'Đại đội Giấu Tên 905', hometown_text: 'Thôn Giấu Tên', place_of_death: 'Dốc Giấu Tên 906' },
};
const HEADSTONES = {
  alone: { inscription: 'LIỆT SĨ LÊ VĂN KÍN ĐÁO 1970' },
  collective: { inscription: 'MỘ CHUNG: PHAN VĂN CÔNG KHAI, LÝ VĂN ẨN DANH' },
  partial: { inscription: 'LIỆT SĨ GIẤU TÊN E905', known_name: 'Liệt sĩ Giấu Tên Bia', known_unit: 'E905 Bia Giấu', known_hometown: 'Quê Bia Giấu', known_place_of_death: 'Nơi Bia Giấu', known_death_year: 1971 },
};
const PUBLIC_NAME = 'Phan Văn Công Khai';
const NOTE = 'Ghi chú nội bộ không công bố 907';
const CERTIFICATE = 'BTQ-SO-BANG-908';
const SECRETS = [
  ...Object.values(CONFIDENTIAL).flatMap((m) => Object.values(m)),
  ...Object.values(HEADSTONES).flatMap((h) => Object.values(h).filter((v): v is string => typeof v === 'string')),
  NOTE,
  CERTIFICATE,
];
const SECRET_SLUGS = Object.values(CONFIDENTIAL).map((m) => slugify(m.full_name));

const expectNoSecret = secretChecker(SECRETS, SECRET_SLUGS);

describe('one visibility rule on the open-data surfaces', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let dir: string;
  const graves = { alone: 0, collective: 0, partial: 0 };
  const martyrs = { alone: 0, collective: 0, partial: 0, public: 0 };

  beforeAll(async () => {
    t = await createTestDatabase('privacyod');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    let plot = 900;
    const grave = async (extra: Record<string, unknown>) =>
      Number((await db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '90', plot_number: String(++plot), position: db.raw('ST_SetSRID(ST_MakePoint(105.8951, 18.3451), 4326)'), ...extra }).returning('id'))[0]!.id);
    graves.alone = await grave({ state: 'identified', ...HEADSTONES.alone });
    graves.collective = await grave({ state: 'identified', is_collective: true, ...HEADSTONES.collective });
    graves.partial = await grave({ state: 'partial', ...HEADSTONES.partial });
    const martyr = async (fields: Record<string, unknown>) => Number((await db('martyrs').insert({ gender: 'male', death_year: 1970, ...fields }).returning('id'))[0]!.id);
    martyrs.public = await martyr({ full_name: PUBLIC_NAME, hometown_text: 'Hà Tĩnh', grave_id: graves.collective, certificate_number: CERTIFICATE, internal_notes: NOTE });
    martyrs.alone = await martyr({ ...CONFIDENTIAL.alone, is_public: false, internal_notes: NOTE, grave_id: graves.alone });
    martyrs.collective = await martyr({ ...CONFIDENTIAL.collective, is_public: false, internal_notes: NOTE, grave_id: graves.collective });
    martyrs.partial = await martyr({ ...CONFIDENTIAL.partial, is_public: false, internal_notes: NOTE, grave_id: graves.partial });
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-privacy-od-'));
    app = await testApp(db, { config: testConfig({ DATA_DIR: dir }) });
  });
  afterAll(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, accept = 'application/json') => request(app).get(url).set('Accept', accept);

  it('/ogc: every page of every collection and each of the three graves, as GeoJSON and HTML', async () => {
    for (const collection of ['cemeteries', 'graves', 'provinces', 'provinces-2008-2025']) {
      let url: string | undefined = `/ogc/collections/${collection}/items?limit=50`;
      while (url) {
        const res = await get(url);
        expect(res.status, url).toBe(200);
        expectNoSecret(url, res.text);
        expectNoSecret(`${url} (parsed)`, JSON.stringify(res.body));
        const next = (res.body as { links: { rel: string; href: string }[] }).links.find((l) => l.rel === 'next');
        url = next?.href.replace(/^https?:\/\/[^/]+/, '');
      }
    }
    for (const kind of ['alone', 'collective', 'partial'] as const) {
      for (const accept of ['application/geo+json', 'text/html']) {
        const res = await get(`/ogc/collections/graves/items/${graves[kind]}`, accept);
        expect(res.status).toBe(200);
        expectNoSecret(`/ogc grave ${kind} (${accept})`, res.text);
      }
      const filtered = await get(`/ogc/collections/graves/items?deathYear=1971&cemetery=${fx.cemeteries.haTinh}`);
      expect(filtered.text.includes(`"id":${graves.partial},`), 'the withheld headstone death year finds the grave').toBe(false);
    }
    const collective = (await get(`/ogc/collections/graves/items/${graves.collective}`)).body as { properties: Record<string, unknown> };
    expect(collective.properties.martyr_names).toBe(PUBLIC_NAME);
    expect(collective.properties.inscription).toBeNull();
  });

  it('downloads: every national file and a province’s files hold nothing withheld, and do hold the public martyr', async () => {
    await buildNationalFiles(t.db, dir, 'https://portal.example.vn', silentLogger);
    const files = await listOpenDataFiles(t.db);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files.filter((x) => !x.name.endsWith('.gpkg'))) expectNoSecret(f.name, await readFile(storedPath(dir, f), 'utf8'));
    const graves = await readFile(storedPath(dir, files.find((f) => f.name === 'graves.csv')!), 'utf8');
    expect(graves).toContain(PUBLIC_NAME);
    const martyrsCsv = await readFile(storedPath(dir, files.find((f) => f.name === 'martyrs.csv')!), 'utf8');
    expect(martyrsCsv).toContain(PUBLIC_NAME);
    for (const kind of ['alone', 'collective', 'partial'] as const) expect(martyrsCsv).not.toMatch(new RegExp(`^${martyrs[kind]},`, 'm'));
    for (const file of ['graves.csv', 'graves.geojsonl', 'martyrs.csv', 'martyrs.geojsonl', 'cemeteries.csv', 'cemeteries.geojson']) {
      const res = await request(app).get(`/du-lieu-mo/tinh/ha-tinh/${file}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
      });
      expect(res.status, file).toBe(200);
      expectNoSecret(`/du-lieu-mo/tinh/ha-tinh/${file}`, res.body as string);
    }
  });

  it('the change feed: no confidential record, no withheld headstone; a public martyr turning confidential is a bare removal', async () => {
    const drain = async (since?: string) => {
      const entries: { type: string; id: number; change: string }[] = [];
      let cursor = since;
      for (;;) {
        const res = await request(app).get('/api/changes').query({ ...(cursor ? { since: cursor } : {}), limit: 100 });
        expect(res.status).toBe(200);
        expectNoSecret('/api/changes', res.text);
        entries.push(...res.body.changes);
        cursor = res.body.next;
        if (!res.body.more) return { entries, cursor: cursor! };
      }
    };
    const all = await drain();
    const martyrIds = all.entries.filter((e) => e.type === 'martyr').map((e) => e.id);
    expect(martyrIds).toContain(martyrs.public);
    for (const kind of ['alone', 'collective', 'partial'] as const) expect(martyrIds, kind).not.toContain(martyrs[kind]);
    // Edits of a confidential record write nothing public.
    await t.db('martyrs').where({ id: martyrs.alone }).update({ unit: 'Trung đoàn Kín Đáo 901 (sửa)' });
    expect((await drain(all.cursor)).entries.filter((e) => e.type === 'martyr')).toEqual([]);
    await t.db('martyrs').where({ id: martyrs.public }).update({ is_public: false });
    const after = await drain(all.cursor);
    expect(after.entries.filter((e) => e.type === 'martyr')).toEqual([expect.objectContaining({ id: martyrs.public, change: 'remove', record: null })]);
    const res = await request(app).get('/api/changes').query({ since: all.cursor });
    expect(res.text).not.toContain(PUBLIC_NAME);
    await t.db('martyrs').where({ id: martyrs.public }).update({ is_public: true });
  });

  it('the linked data of the grave pages names only the public martyr', async () => {
    for (const kind of ['alone', 'collective', 'partial'] as const) {
      const page = await get(`/mo/${graves[kind]}`, 'text/html');
      const block = /<script type="application\/ld\+json">([^<]+)<\/script>/.exec(page.text)?.[1];
      expect(block, kind).toBeTruthy();
      expectNoSecret(`JSON-LD of /mo/${kind}`, JSON.stringify(JSON.parse(block!)));
    }
    const collective = await get(`/mo/${graves.collective}`, 'text/html');
    expect(JSON.stringify(JSON.parse(/<script type="application\/ld\+json">([^<]+)<\/script>/.exec(collective.text)![1]!))).toContain(PUBLIC_NAME);
  });
});
