/**
 * Headstone photos from the field, against real PostgreSQL/PostGIS, Meilisearch and files in a
 * temporary folder: photos made by the test with GPS positions in their EXIF at known graves are
 * proposed onto the right graves; confirming makes them current (the old one stays in the
 * history); the public copies carry no metadata; bad files are refused with nothing stored; and a
 * cemetery's staff reach only their own graves and photos.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import exifr from 'exifr';
import type { Express } from 'express';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';
import { binary } from '../support/http-body.js';

/** Section A of the Hà Tĩnh cemetery: two rows of five graves, 2.1 m apart along a row, rows 3.3 m apart. */
const ORIGIN = { lat: 18.341, lng: 105.891 };
const STEP = { lng: 0.00002, lat: 0.00003 };
const at = (row: number, plot: number) => ({ lat: ORIGIN.lat + (row - 1) * STEP.lat, lng: ORIGIN.lng + (plot - 1) * STEP.lng });

const dms = (deg: number) => {
  const d = Math.floor(deg);
  const m = Math.floor((deg - d) * 60);
  return `${d}/1 ${m}/1 ${Math.round(((deg - d) * 60 - m) * 60 * 10000)}/10000`;
};

type PhotoOptions = { seed: number; lat?: number; lng?: number; accuracy?: number; direction?: number; time?: string };

/** A phone-like JPEG: its own pixels (so its own content hash), and GPS, direction and time in its EXIF when given. */
async function phonePhoto(o: PhotoOptions): Promise<Buffer> {
  const [width, height] = [640, 480];
  const pixels = Buffer.alloc(width * height * 3);
  let state = o.seed * 7919 + 13;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = (i % 3 === 0 ? 120 : 90) + (state >>> 27);
  }
  const exif: Record<string, Record<string, string>> = { IFD0: { Make: 'TestPhone', Model: 'Field 1', Software: 'camera-app-7' } };
  if (o.time) exif.IFD2 = { DateTimeOriginal: o.time };
  if (o.lat !== undefined && o.lng !== undefined) {
    exif.IFD3 = {
      GPSLatitudeRef: 'N', GPSLatitude: dms(o.lat), GPSLongitudeRef: 'E', GPSLongitude: dms(o.lng),
      ...(o.accuracy !== undefined ? { GPSHPositioningError: `${Math.round(o.accuracy * 100)}/100` } : {}),
      ...(o.direction !== undefined ? { GPSImgDirectionRef: 'T', GPSImgDirection: `${Math.round(o.direction * 100)}/100` } : {}),
    };
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).withExif(exif).toBuffer();
}

/** Every file under a folder, as relative paths. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  } catch {
    return [];
  }
}

describe('headstone photos from the field', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let dataDir: string;
  let photosDir: string;
  let staff: SignedIn;
  let otherStaff: SignedIn;
  const indexUid = `test_photos_${randomBytes(4).toString('hex')}`;
  /** graves[row][plot] of section A. */
  const graves: Record<number, Record<number, number>> = { 1: {}, 2: {} };
  const g = (row: number, plot: number): number => graves[row]![plot]!;
  let martyrOnA11: number;

  const upload = (who: SignedIn, data: Buffer, name: string, url = '/quan-ly/anh') =>
    who.agent.post(url).set('Accept', 'application/json').set('X-CSRF-Token', who.csrf).attach('photo', data, { filename: name, contentType: 'image/jpeg' });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'photos-test-'));
    photosDir = path.join(dataDir, 'photos');
    t = await createTestDatabase('photos');
    fx = await loadSearchFixture(t.db);
    const haTinh = fx.cemeteries.haTinh;
    const [section] = await t.db('cemetery_sections')
      .insert({ cemetery_id: haTinh, code: 'A', boundary: t.db.raw('ST_MakeEnvelope(?, ?, ?, ?, 4326)', [ORIGIN.lng - 0.0001, ORIGIN.lat - 0.0001, ORIGIN.lng + 0.0002, ORIGIN.lat + 0.0002]) })
      .returning('id');
    for (const row of [1, 2]) {
      for (let plot = 1; plot <= 5; plot++) {
        const p = at(row, plot);
        const [grave] = await t.db('graves').insert({
          cemetery_id: haTinh, section_id: section.id, row_label: String(row), plot_number: String(plot), state: 'identified',
          position: t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [p.lng, p.lat]),
        }).returning('id');
        graves[row]![plot] = Number(grave.id);
      }
    }
    const [m] = await t.db('martyrs').insert({ full_name: 'Phan Văn Lộc', death_year: 1968, hometown_text: 'Hà Tĩnh', hometown_province_code: '42', grave_id: g(1, 1) }).returning('id');
    martyrOnA11 = Number(m.id);

    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
    app = await testApp(t.db, { config: testConfig({ DATA_DIR: dataDir, MEILI_INDEX: indexUid }) });
    const mine = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: haTinh }], 'Cán bộ Hà Tĩnh');
    const theirs = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }], 'Cán bộ Trường Sơn');
    staff = await signIn(app, mine.email);
    otherStaff = await signIn(app, theirs.email);
  });
  afterAll(async () => {
    await testMeili().deleteIndex(indexUid).catch(() => undefined);
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Upload ids of the batch test, by what the photo shows. */
  const batch: Record<'a11' | 'a13' | 'a22' | 'a24' | 'noPosition' | 'farAway', number> = {} as never;

  it('proposes the graves where the photos were taken, using the direction the camera faced', async () => {
    const shots = {
      a11: await phonePhoto({ seed: 1, ...at(1, 1), accuracy: 4, time: '2025:03:04 08:00:05' }),
      a13: await phonePhoto({ seed: 2, ...at(1, 3), accuracy: 4, time: '2025:03:04 08:01:00' }),
      a22: await phonePhoto({ seed: 3, ...at(2, 2), accuracy: 3, time: '2025:03:04 08:02:00' }),
      // Standing 2.2 m south of A/2/4 facing north: nearer A/1/4 underfoot, but the stone ahead is A/2/4.
      a24: await phonePhoto({ seed: 4, lat: at(2, 4).lat - 0.00002, lng: at(2, 4).lng, accuracy: 3, direction: 0, time: '2025:03:04 08:03:00' }),
      noPosition: await phonePhoto({ seed: 5, time: '2025:03:04 08:04:00' }),
      farAway: await phonePhoto({ seed: 6, lat: ORIGIN.lat + 0.05, lng: ORIGIN.lng, accuracy: 5, time: '2025:03:04 08:05:00' }),
    };
    for (const [name, data] of Object.entries(shots)) {
      const res = await upload(staff, data, `IMG_${name}.jpg`);
      expect(res.status, name).toBe(201);
      expect(res.body.duplicate).toBe(false);
      batch[name as keyof typeof batch] = res.body.upload.id;
      const proposed = res.body.upload.proposals.map((p: { graveId: number }) => p.graveId);
      if (name === 'a11') {
        expect(proposed[0]).toBe(g(1, 1));
        expect(res.body.upload.proposals[0]).toMatchObject({ who: 'Phan Văn Lộc', label: 'Khu A, hàng 1, mộ số 1' });
        expect(res.body.upload.proposals[0].distanceM).toBeLessThan(0.5);
        expect(res.body.upload.position).toMatchObject({ accuracyM: 4 });
        // DateTimeOriginal without an offset is Vietnam's clock (UTC+7).
        expect(res.body.upload.takenAt).toBe('2025-03-04T01:00:05.000Z');
        // The nearest five, nearest first, from this cemetery only.
        expect(proposed).toHaveLength(5);
        expect(proposed.slice(1, 3).sort()).toEqual([g(1, 2), g(2, 1)].sort());
      }
      if (name === 'a13') expect(proposed[0]).toBe(g(1, 3));
      if (name === 'a22') expect(proposed[0]).toBe(g(2, 2));
      if (name === 'a24') expect(proposed[0]).toBe(g(2, 4));
      if (name === 'noPosition') {
        expect(res.body.upload.position).toBeNull();
        expect(proposed).toEqual([]);
      }
      if (name === 'farAway') {
        expect(res.body.upload.position).not.toBeNull();
        expect(proposed).toEqual([]);
      }
    }
    // The review screen shows each photo beside its proposed grave and name.
    const page = await staff.agent.get('/quan-ly/anh/duyet');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`name="choice[${batch.a11}]" value="g${g(1, 1)}" checked`);
    expect(page.text).toContain('Phan Văn Lộc');
    expect(page.text).toContain(`/quan-ly/anh/tai-len/${batch.a11}/thumb`);
  });

  it('stores a photo sent twice once, and says so', async () => {
    const data = await phonePhoto({ seed: 1, ...at(1, 1), accuracy: 4, time: '2025:03:04 08:00:05' });
    const before = await filesUnder(photosDir);
    const again = await upload(staff, data, 'IMG_a11 (retry).jpg');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, upload: { id: batch.a11 } });
    expect(await filesUnder(photosDir)).toEqual(before);
    expect(Number((await t.db('photo_uploads').count({ n: '*' }))[0]!.n)).toBe(6);
  });

  it('keeps unassigned copies and originals away from the public /photos route', async () => {
    const files = await filesUnder(photosDir);
    expect(files.filter((f) => f.startsWith('originals/'))).toHaveLength(6);
    const staged = files.find((f) => f.startsWith('staging/'))!;
    expect((await request(app).get(`/photos/${staged}`)).status).toBe(404);
    expect((await request(app).get(`/photos/${files.find((f) => f.startsWith('originals/'))}`)).status).toBe(404);
    // The uploader sees the waiting copy; nobody else does, and nobody signed out.
    const own = await staff.agent.get(`/quan-ly/anh/tai-len/${batch.a11}/thumb`).buffer(true).parse(binary);
    expect(own.status).toBe(200);
    expect(own.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(own.body as Buffer).metadata()).width).toBe(320);
    expect((await otherStaff.agent.get(`/quan-ly/anh/tai-len/${batch.a11}/thumb`)).status).toBe(404);
    expect((await request(app).get(`/quan-ly/anh/tai-len/${batch.a11}/thumb`)).status).toBe(303);
  });

  it('confirms the proposals: current photos set, outbox written, public copies without EXIF, the old photo kept in the history', async () => {
    // A/1/1 already has a photo taken from its staff page.
    const earlier = await upload(staff, await phonePhoto({ seed: 50 }), 'old.jpg', `/quan-ly/mo/${g(1, 1)}/anh`);
    expect(earlier.status).toBe(201);
    const oldPhoto = earlier.body.photoId as number;
    expect((await t.db('photos').where({ id: oldPhoto }).first()).is_current).toBe(true);
    const outboxBefore = Number((await t.db('search_outbox').max({ id: 'id' }))[0]!.id);

    // The form as the review page sends it: the proposals ticked by default, two photos left for later.
    const res = await staff.agent.post('/quan-ly/anh/duyet').type('form').send({
      _csrf: staff.csrf, action: 'confirm', cem: String(fx.cemeteries.haTinh),
      [`choice[${batch.a11}]`]: `g${g(1, 1)}`,
      [`choice[${batch.a13}]`]: `g${g(1, 3)}`,
      [`choice[${batch.a22}]`]: `g${g(2, 2)}`,
      [`choice[${batch.a24}]`]: `g${g(2, 4)}`,
      [`choice[${batch.noPosition}]`]: 'later',
      [`choice[${batch.farAway}]`]: 'later',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/quan-ly/anh/duyet?xong=4');

    const current = async (graveId: number) => t.db('photos').where({ grave_id: graveId, is_current: true }).first();
    for (const [key, graveId] of [['a11', g(1, 1)], ['a13', g(1, 3)], ['a22', g(2, 2)], ['a24', g(2, 4)]] as const) {
      const photo = await current(graveId);
      const up = await t.db('photo_uploads').where({ id: batch[key] }).first();
      expect(photo.content_hash, key).toBe(up.content_hash);
      expect(Number(up.assigned_photo_id)).toBe(Number(photo.id));
      expect(photo.full_key).toBe(`graves/${graveId}/${up.content_hash.slice(0, 16)}-full.jpg`);
    }
    // The history keeps the previous photo, no longer current.
    const history = await t.db('photos').where({ grave_id: g(1, 1) }).orderBy('id');
    expect(history.map((p) => [Number(p.id) === oldPhoto, p.is_current])).toEqual([[true, false], [false, true]]);
    const audit = await t.db('audit_log').where({ entity_type: 'grave', entity_id: g(1, 1), action: 'grave.photo.current' }).orderBy('id');
    expect(audit.at(-1)).toMatchObject({ before: { current_photo_id: oldPhoto }, reason: expect.stringContaining('GPS') });
    expect(await t.db('audit_log').where({ action: 'photo.add' }).count({ n: '*' })).toEqual([{ n: 5 }]);
    // The triggers queued the four graves for search.
    const queued = await t.db('search_outbox').where('id', '>', outboxBefore).where({ entity_type: 'grave' }).distinct('entity_id');
    expect(queued.map((r) => Number(r.entity_id)).sort()).toEqual([g(1, 1), g(1, 3), g(2, 2), g(2, 4)].sort());

    // Public copies: served, three sizes, and not one metadata field left.
    const photo = await current(g(1, 1));
    for (const [key, longest] of [['full_key', 640], ['page_key', 640], ['thumb_key', 320]] as const) {
      const file = await request(app).get(`/photos/${photo[key]}`).buffer(true).parse(binary);
      expect(file.status).toBe(200);
      const meta = await sharp(file.body as Buffer).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBe(longest);
      expect([meta.exif, meta.xmp, meta.iptc, meta.icc]).toEqual([undefined, undefined, undefined, undefined]);
      expect(await exifr.parse(file.body as Buffer, { gps: true, tiff: true, exif: true })).toBeUndefined();
      expect((file.body as Buffer).includes(Buffer.from('camera-app-7'))).toBe(false);
    }
    // The original keeps its metadata, for staff only.
    const original = await staff.agent.get(`/quan-ly/anh/${photo.id}/goc`).buffer(true).parse(binary);
    expect(original.status).toBe(200);
    expect(original.headers['content-disposition']).toMatch(/^attachment/);
    expect((await exifr.parse(original.body as Buffer, { gps: true })).latitude).toBeCloseTo(ORIGIN.lat, 6);
    // Staging copies of confirmed photos are gone.
    expect((await filesUnder(photosDir)).filter((f) => f.startsWith(`staging/`))).toHaveLength(6);

    // Public pages and the search index show the current photo.
    const page = await request(app).get(`/mo/${g(1, 1)}`);
    expect(page.text).toContain(`/photos/${photo.page_key}`);
    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
    const doc = await testMeili().index(indexUid).getDocument(`martyr-${martyrOnA11}`);
    expect(doc.photoUrl).toBe(`/photos/${photo.page_key}`);

    // An earlier photo can be made current again, audited.
    const back = await staff.agent.post(`/quan-ly/mo/${g(1, 1)}/anh/${oldPhoto}/hien-tai`).type('form').send({ _csrf: staff.csrf });
    expect(back.status).toBe(303);
    expect(Number((await current(g(1, 1))).id)).toBe(oldPhoto);
    const gravePage = await staff.agent.get(`/quan-ly/mo/${g(1, 1)}`);
    expect(gravePage.text).toContain(`/quan-ly/mo/${g(1, 1)}/anh/${photo.id}/hien-tai`);
    expect(gravePage.text).toContain('Cán bộ Hà Tĩnh');
  });

  it('matches photos without a position by a typed plot, and a row by the order they were taken', async () => {
    const shots = await Promise.all([
      phonePhoto({ seed: 21, time: '2025:03:05 09:00:30' }),
      phonePhoto({ seed: 22, time: '2025:03:05 09:00:10' }),
      phonePhoto({ seed: 23, time: '2025:03:05 09:00:20' }),
    ]);
    const ids: number[] = [];
    for (const [i, data] of shots.entries()) ids.push((await upload(staff, data, `row-${i}.jpg`)).body.upload.id);
    // Row 2 of section A from plot 2: the earliest photo (shot 1) on A/2/2, then shot 2, then shot 0.
    const res = await staff.agent.post('/quan-ly/anh/duyet').type('form').send({
      _csrf: staff.csrf, action: 'row', cem: String(fx.cemeteries.haTinh), row_khu: 'a', row_hang: '2', row_from: '2', sel: ids.map(String),
    });
    expect(res.status).toBe(303);
    const graveOf = async (uploadId: number) => Number((await t.db('photo_uploads as u').join('photos as p', 'p.id', 'u.assigned_photo_id').where('u.id', uploadId).first('p.grave_id')).grave_id);
    expect([await graveOf(ids[1]!), await graveOf(ids[2]!), await graveOf(ids[0]!)]).toEqual([g(2, 2), g(2, 3), g(2, 4)]);

    // A row too short for the photos is refused whole.
    const more = [await phonePhoto({ seed: 24 }), await phonePhoto({ seed: 25 }), await phonePhoto({ seed: 26 })];
    const moreIds: number[] = [];
    for (const data of more) moreIds.push((await upload(staff, data, 'more.jpg')).body.upload.id);
    const short = await staff.agent.post('/quan-ly/anh/duyet').type('form').send({
      _csrf: staff.csrf, action: 'row', cem: String(fx.cemeteries.haTinh), row_khu: 'A', row_hang: '2', row_from: '5', sel: moreIds.map(String),
    });
    expect(short.status).toBe(400);
    expect(short.text).toContain('chỉ có 1 mộ');

    // The photo without a position, by its typed plot (the section may be left out when the rest is
    // unique); an unknown plot, or one several graves share, is a message on its card.
    const typed = await staff.agent.post('/quan-ly/anh/duyet').type('form').send({
      _csrf: staff.csrf, action: 'confirm', cem: String(fx.cemeteries.haTinh),
      [`choice[${batch.noPosition}]`]: 'later', [`khu[${batch.noPosition}]`]: '', [`hang[${batch.noPosition}]`]: '1', [`so[${batch.noPosition}]`]: '5',
      [`choice[${moreIds[0]}]`]: 'later', [`khu[${moreIds[0]}]`]: 'A', [`hang[${moreIds[0]}]`]: '1', [`so[${moreIds[0]}]`]: '99',
      [`choice[${moreIds[1]}]`]: 'discard',
      [`choice[${moreIds[2]}]`]: 'later', [`so[${moreIds[2]}]`]: '2',
    });
    expect(typed.status).toBe(422);
    expect(typed.text).toContain('Không tìm thấy mộ ở vị trí này');
    expect(typed.text).toContain('Nhiều mộ có số này');
    expect(await graveOf(batch.noPosition)).toBe(g(1, 5));
    expect(await t.db('photo_uploads').where({ id: moreIds[1] }).first()).toBeUndefined();
  });

  describe('bad files are refused with a clear message and nothing stored', () => {
    const cases: Array<{ name: string; make: () => Promise<Buffer>; status: number; says: RegExp }> = [
      { name: 'notes.jpg', make: async () => Buffer.from('Danh sách mộ hàng 3: chưa chụp xong.\n'.repeat(20)), status: 415, says: /notes\.jpg: not a JPEG, PNG, WebP or HEIC photo/ },
      {
        name: 'truncated.jpg', status: 422, says: /truncated\.jpg: the image is damaged or was not sent completely/,
        make: async () => { const full = await phonePhoto({ seed: 90 }); return full.subarray(0, Math.floor(full.length / 2)); },
      },
      {
        name: 'huge.jpg', status: 422, says: /huge\.jpg: the image has too many pixels/,
        // A small JPEG whose header says 30000×30000: refused from the header, before any decoding.
        make: async () => {
          const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } }).jpeg().toBuffer();
          const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
          jpeg.writeUInt16BE(30000, sof + 5);
          jpeg.writeUInt16BE(30000, sof + 7);
          return jpeg;
        },
      },
      { name: 'big.jpg', status: 413, says: /big\.jpg: the file is too large \(at most 25 MB\)|This file: the file is too large/, make: async () => Buffer.concat([await phonePhoto({ seed: 91 }), randomBytes(50 * 1024 * 1024)]) },
      { name: 'script.jpg', status: 415, says: /script\.jpg: not a JPEG, PNG, WebP or HEIC photo/, make: async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>') },
      {
        name: 'IMG_0001.HEIC', status: 415, says: /IMG_0001\.HEIC: HEIC photos cannot be read on this server yet.*Most Compatible/,
        // An iPhone HEIC's signature (ftyp heic): this server's libvips has no HEVC decoder.
        make: async () => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic'), randomBytes(2000)]),
      },
    ];
    let before: string[];
    beforeAll(async () => {
      before = await filesUnder(photosDir);
    });

    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const rows = Number((await t.db('photo_uploads').count({ n: '*' }))[0]!.n);
        const res = await staff.agent.post('/quan-ly/anh').set('Accept', 'application/json').set('X-CSRF-Token', staff.csrf).set('Accept-Language', 'en')
          .query({ lang: 'en' }).attach('photo', await c.make(), { filename: c.name, contentType: 'image/jpeg' });
        expect(res.status).toBe(c.status);
        expect(res.body.error.message).toMatch(c.says);
        expect(Number((await t.db('photo_uploads').count({ n: '*' }))[0]!.n)).toBe(rows);
        expect(await filesUnder(photosDir)).toEqual(before);
      });
    }

    it('shows the refusal on the upload page when sent without JavaScript', async () => {
      const res = await staff.agent.post('/quan-ly/anh').query({ lang: 'vi', _csrf: staff.csrf }).attach('photo', Buffer.from('<svg/>'), 'anh.jpg');
      expect(res.status).toBe(415);
      expect(res.text).toContain('anh.jpg: không phải ảnh JPEG, PNG, WebP hoặc HEIC');
      expect(res.text).toContain('Không có gì được lưu');
      expect(await filesUnder(photosDir)).toEqual(before);
    });

    it('refuses a multipart upload without its CSRF token', async () => {
      const res = await staff.agent.post('/quan-ly/anh').set('Accept', 'application/json').attach('photo', await phonePhoto({ seed: 92 }), 'x.jpg');
      expect(res.status).toBe(403);
      expect(await filesUnder(photosDir)).toEqual(before);
    });
  });

  describe('jurisdiction', () => {
    it("keeps another cemetery's staff away from these graves and photos", async () => {
      const grave = g(1, 3);
      const photo = await t.db('photos').where({ grave_id: grave, is_current: true }).first();
      expect((await otherStaff.agent.get(`/quan-ly/mo/${grave}`)).status).toBe(404);
      expect((await otherStaff.agent.get(`/quan-ly/anh/${photo.id}/goc`)).status).toBe(404);
      const before = await filesUnder(photosDir);
      const direct = await upload(otherStaff, await phonePhoto({ seed: 70 }), 'x.jpg', `/quan-ly/mo/${grave}/anh`);
      expect(direct.status).toBe(404);
      expect(await filesUnder(photosDir)).toEqual(before);
      const older = await t.db('photos').where({ grave_id: grave }).first();
      expect((await otherStaff.agent.post(`/quan-ly/mo/${grave}/anh/${older.id}/hien-tai`).type('form').send({ _csrf: otherStaff.csrf })).status).toBe(404);

      // Their photo taken right at a Hà Tĩnh grave proposes nothing, and cannot be put there by number or by id.
      const theirs = await upload(otherStaff, await phonePhoto({ seed: 71, ...at(1, 2), accuracy: 3 }), 'there.jpg');
      expect(theirs.status).toBe(201);
      expect(theirs.body.upload.proposals).toEqual([]);
      const id = theirs.body.upload.id as number;
      const byNumber = await otherStaff.agent.post('/quan-ly/anh/duyet').type('form').send({
        _csrf: otherStaff.csrf, cem: String(fx.cemeteries.haTinh), [`choice[${id}]`]: 'later', [`khu[${id}]`]: 'A', [`hang[${id}]`]: '1', [`so[${id}]`]: '2',
      });
      expect(byNumber.status).toBe(422);
      const byId = await otherStaff.agent.post('/quan-ly/anh/duyet').type('form').send({ _csrf: otherStaff.csrf, [`choice[${id}]`]: `g${g(1, 2)}` });
      expect(byId.status).toBe(422);
      const byRow = await otherStaff.agent.post('/quan-ly/anh/duyet').type('form').send({
        _csrf: otherStaff.csrf, action: 'row', cem: String(fx.cemeteries.haTinh), row_khu: 'A', row_hang: '1', sel: String(id),
      });
      expect(byRow.status).toBe(400);
      expect(await t.db('photos').where({ grave_id: g(1, 2) })).toEqual([]);
      // Nor can they confirm someone else's upload.
      await otherStaff.agent.post('/quan-ly/anh/duyet').type('form').send({ _csrf: otherStaff.csrf, [`choice[${batch.farAway}]`]: `g${g(1, 2)}` });
      expect((await t.db('photo_uploads').where({ id: batch.farAway }).first()).assigned_photo_id).toBeNull();
    });
  });
});
