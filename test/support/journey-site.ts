/**
 * The public site as a relative meets it, for the journey's browser tests and its benchmark: the
 * search fixture (hundreds of namesakes of Nguyễn Văn Thành), a section around Thành's grave, a
 * real headstone photo of it in the sizes the portal serves, the index built, the app listening.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ensureIndex } from '../../server/search/index-writer.js';
import { reindex } from '../../server/search/reindex.js';
import { listen } from './browser.js';
import { loadSearchFixture, type SearchFixture } from './search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from './services.js';

export type JourneySite = {
  base: string;
  fx: SearchFixture;
  db: TestDatabase['db'];
  /** Thành's page: a grave in section A, row and plot, with a headstone photo. */
  martyrWithPhotoPath: string;
  close(): Promise<void>;
};

const SIZES = { full: [1200, 1600], page: [600, 800], thumb: [150, 200] } as const;

/** A headstone-like JPEG: stone grey with grain, so it weighs what a real photo of its size does. */
async function headstone(width: number, height: number): Promise<Buffer> {
  const noise = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let i = 0; i < noise.length; i += 3) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const v = 120 + (seed % 40);
    noise[i] = v;
    noise[i + 1] = v - 4;
    noise[i + 2] = v - 10;
  }
  return sharp(noise, { raw: { width, height, channels: 3 } }).blur(1.2).jpeg({ quality: 78, mozjpeg: true }).toBuffer();
}

export async function startJourneySite(label: string): Promise<JourneySite> {
  const t = await createTestDatabase(label);
  const fx = await loadSearchFixture(t.db);
  const { db } = t;
  const [section] = await db('cemetery_sections')
    .insert({ cemetery_id: fx.cemeteries.truongSon, code: 'A', kind: 'khu', boundary: db.raw('ST_MakeEnvelope(106.9495, 16.9495, 106.9515, 16.9515, 4326)') })
    .returning('id');
  await db('graves').where({ id: fx.graves.ofThanh }).update({ section_id: Number(section!.id) });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `mls-${label}-`));
  const hash = randomBytes(8).toString('hex');
  const key = (size: string) => `graves/${fx.graves.ofThanh}/${hash}-${size}.jpg`;
  await mkdir(path.join(dataDir, 'photos', 'graves', String(fx.graves.ofThanh)), { recursive: true });
  for (const [size, [w, h]] of Object.entries(SIZES)) await writeFile(path.join(dataDir, 'photos', key(size)), await headstone(w, h));
  await writeFile(path.join(dataDir, 'photos', key('original')), await headstone(300, 400));
  await db('photos').insert({
    grave_id: fx.graves.ofThanh, original_key: key('original'), full_key: key('full'), page_key: key('page'), thumb_key: key('thumb'),
    content_hash: hash.repeat(4), width: 1200, height: 1600, bytes: 1000, is_current: true,
  });
  const indexUid = `test_${label}_${randomBytes(4).toString('hex')}`;
  await ensureIndex(testMeili(), indexUid);
  await reindex(db, testMeili(), indexUid, silentLogger);
  const site = await listen(await testApp(db, { config: testConfig({ MEILI_INDEX: indexUid, DATA_DIR: dataDir }) }));
  return {
    base: site.base,
    fx,
    db,
    martyrWithPhotoPath: `/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh`,
    async close() {
      await site.close();
      await testMeili().deleteIndexIfExists(indexUid);
      await t.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
