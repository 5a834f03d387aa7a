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
import { processPhoto, type ProcessedPhoto } from '../../server/photos/photo-processing.js';
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

/**
 * A phone photo of a headstone as far as weight goes: smooth shapes plus sensor-like grain at
 * 1536x2048 (as scripts/bench/photos.ts makes them), put through the portal's own photo pipeline
 * so each served size weighs what a real one does.
 */
async function headstonePhoto(): Promise<ProcessedPhoto> {
  const [width, height] = [1536, 2048];
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const small = Buffer.alloc(150 * 200 * 3);
  for (let i = 0; i < small.length; i++) small[i] = 90 + Math.floor(random() * 90);
  const pixels = await sharp(small, { raw: { width: 150, height: 200, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer();
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(255, Math.max(0, pixels[i]! + Math.floor(random() * 24) - 12));
  return processPhoto(await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
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
  const photo = await headstonePhoto();
  for (const size of ['full', 'page', 'thumb'] as const) await writeFile(path.join(dataDir, 'photos', key(size)), photo.copies[size]);
  await writeFile(path.join(dataDir, 'photos', key('original')), photo.original);
  await db('photos').insert({
    grave_id: fx.graves.ofThanh, original_key: key('original'), full_key: key('full'), page_key: key('page'), thumb_key: key('thumb'),
    content_hash: photo.contentHash, width: photo.width, height: photo.height, bytes: photo.original.length, is_current: true,
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
