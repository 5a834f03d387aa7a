/**
 * One headstone-photo pipeline, whoever sends the photo: a citizen's submission accepted by an
 * officer ends like a field upload confirmed by cemetery staff — the same three public sizes
 * (2048/1024/320 on the long side), the original kept where the staff download route reads it,
 * and the grave row locked while the photo becomes current. Real PostgreSQL, Meilisearch, files.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, testConfig, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';
import { binary } from '../support/http-body.js';

/** A photo larger than every public size, with its own pixels (so its own content hash). */
async function bigPhoto(seed: number, width = 3000, height = 2000): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed * 7919 + 17;
  for (let i = 0; i < pixels.length; i += 97) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

const longSide = async (data: Buffer) => {
  const { width, height } = await sharp(data).metadata();
  return Math.max(width!, height!);
};

describe('one headstone-photo pipeline for field uploads and accepted submissions', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let dataDir: string;
  let officer: SignedIn;
  let fieldStaff: SignedIn;
  let ip = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'photo-pipeline-'));
    t = await createTestDatabase('photo_pipeline');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db, { config: testConfig({ DATA_DIR: dataDir }) });
    const quangTri = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '44', cemeteryId: null }], 'Sở Quảng Trị');
    const truongSon = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }], 'Cán bộ Trường Sơn');
    officer = await signIn(app, quangTri.email);
    fieldStaff = await signIn(app, truongSon.email);
  });
  afterAll(async () => {
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A citizen's headstone photo for a grave; returns the submission's id. */
  const submitPhoto = async (graveId: number, data: Buffer): Promise<number> => {
    ip += 1;
    const res = await request(app).post('/gui-thong-tin').set('X-Forwarded-For', `10.77.0.${ip}`)
      .field('website', '').field('senderName', 'Nguyễn Thị Hoa').field('senderContact', '0912 345 678').field('senderRelation', 'cháu')
      .field('message', 'Ảnh bia mộ chụp hôm thanh minh.').field('grave', String(graveId)).field('kind', 'headstone_photo')
      .attach('files', data, 'bia.jpg');
    expect(res.status).toBe(303);
    const code = /\/theo-doi\/([0-9A-Z-]+)/.exec(res.headers.location ?? '')![1]!;
    return Number((await t.db('submissions').where({ tracking_code: code }).first('id')).id);
  };
  /** As an officer does it: start the review (the page itself changes nothing), then accept. */
  const accept = async (id: number) => {
    const versionOf = async () => /name="version" value="(\d+)"/.exec((await officer.agent.get(`/quan-ly/thong-tin/${id}`)).text)?.[1] ?? '0';
    const started = await officer.agent.post(`/quan-ly/thong-tin/${id}/xem-xet`).type('form').send({ _csrf: officer.csrf, version: await versionOf() });
    expect(started.status).toBeLessThan(400);
    return officer.agent.post(`/quan-ly/thong-tin/${id}`).type('form').send({ _csrf: officer.csrf, version: await versionOf(), decision: 'accept' });
  };
  /** A field photo put on a grave from its staff page. */
  const fieldUpload = (graveId: number, data: Buffer) =>
    fieldStaff.agent.post(`/quan-ly/mo/${graveId}/anh`).set('Accept', 'application/json').set('X-CSRF-Token', fieldStaff.csrf)
      .attach('photo', data, { filename: 'field.jpg', contentType: 'image/jpeg' });
  const filesOf = async (photo: { full_key: string; page_key: string; thumb_key: string }) =>
    Promise.all([photo.full_key, photo.page_key, photo.thumb_key].map((key) => readFile(path.join(dataDir, 'photos', key))));
  const newGrave = async () => Number((await t.db('graves').insert({ cemetery_id: fx.cemeteries.truongSon, state: 'identified' }).returning('id'))[0].id);

  it('makes the same three public sizes, 2048/1024/320 on the long side, from a submission as from a field upload', async () => {
    const [viaSubmission, viaField] = [await newGrave(), await newGrave()];
    expect((await accept(await submitPhoto(viaSubmission, await bigPhoto(1)))).status).toBe(303);
    expect((await fieldUpload(viaField, await bigPhoto(2))).status).toBe(201);

    const submitted = await t.db('photos').where({ grave_id: viaSubmission, is_current: true }).first();
    const field = await t.db('photos').where({ grave_id: viaField, is_current: true }).first();
    const sizesOf = async (photo: typeof field) => Promise.all((await filesOf(photo)).map(longSide));
    expect(await sizesOf(field)).toEqual([2048, 1024, 320]);
    expect(await sizesOf(submitted)).toEqual([2048, 1024, 320]);
    // The row describes the original, as a field upload's does, not the 2048 copy.
    const evidence = await t.db('submission_files').whereIn('submission_id', t.db('submissions').select('id').where({ grave_id: viaSubmission })).first();
    expect({ width: submitted.width, height: submitted.height, bytes: submitted.bytes }).toEqual({ width: evidence.width, height: evidence.height, bytes: evidence.bytes });
    expect({ width: field.width, height: field.height }).toEqual({ width: 3000, height: 2000 });
    for (const key of [submitted.full_key, submitted.page_key, submitted.thumb_key]) expect((await request(app).get(`/photos/${key}`)).status).toBe(200);
    expect(await t.db('audit_log').where({ entity_type: 'photo', entity_id: submitted.id, action: 'photo.add' }).whereNotNull('submission_id')).toHaveLength(1);
  });

  it('lets staff download the original of a photo that came from a submission', async () => {
    const graveId = await newGrave();
    const id = await submitPhoto(graveId, await bigPhoto(3));
    expect((await accept(id)).status).toBe(303);
    const photo = await t.db('photos').where({ grave_id: graveId, is_current: true }).first();
    const evidence = await t.db('submission_files').where({ submission_id: id }).first();
    const res = await officer.agent.get(`/quan-ly/anh/${photo.id}/goc`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment/);
    expect(Buffer.compare(res.body as Buffer, await readFile(path.join(dataDir, 'private', evidence.storage_key)))).toBe(0);
    // The original never becomes a public file.
    expect((await request(app).get(`/photos/${photo.original_key}`)).status).toBe(404);
  });

  it('refuses to accept a photo whose evidence file is gone with a clear conflict, the submission left open and nothing written', async () => {
    const graveId = await newGrave();
    const id = await submitPhoto(graveId, await bigPhoto(7, 800, 600));
    const evidence = await t.db('submission_files').where({ submission_id: id }).first();
    await rm(path.join(dataDir, 'private', evidence.storage_key));
    const res = await accept(id);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Ảnh gửi kèm thông tin này không còn được lưu');
    expect((await t.db('submissions').where({ id }).first()).status).toBe('in_review');
    expect(await t.db('photos').where({ grave_id: graveId })).toHaveLength(0);
  });

  it('waits for the grave row while another writer holds it, then makes the photo current', async () => {
    const graveId = await newGrave();
    const id = await submitPhoto(graveId, await bigPhoto(4, 800, 600));
    const page = await officer.agent.get(`/quan-ly/thong-tin/${id}`);
    const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? '0';

    // FOR NO KEY UPDATE: what a grave edit holds. It lets a photo row's foreign key check through
    // (FOR KEY SHARE), so only a lock the pipeline takes itself on the grave makes the accept wait.
    const holder = await t.db.transaction();
    let answered = false;
    try {
      await holder.raw('SELECT id FROM graves WHERE id = ? FOR NO KEY UPDATE', [graveId]);
      const decision = officer.agent.post(`/quan-ly/thong-tin/${id}`).type('form').send({ _csrf: officer.csrf, version, decision: 'accept' })
        .then((res) => { answered = true; return res; });
      let waiting = false;
      for (let i = 0; i < 100 && !waiting && !answered; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const { rows } = await t.db.raw<{ rows: unknown[] }>(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%graves%'`,
        );
        waiting = rows.length > 0;
      }
      expect({ waiting, answered }).toEqual({ waiting: true, answered: false });
      await holder.commit();
      expect((await decision).status).toBe(303);
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
    }
    expect(await t.db('photos').where({ grave_id: graveId, is_current: true })).toHaveLength(1);
  });

  it('ends a concurrent accept and field assignment on one grave with exactly one current photo, both answered', async () => {
    const graveId = await newGrave();
    const id = await submitPhoto(graveId, await bigPhoto(5, 800, 600));
    const field = await bigPhoto(6, 800, 600);
    const [accepted, uploaded] = await Promise.all([accept(id), fieldUpload(graveId, field)]);
    expect([accepted.status, uploaded.status]).toEqual([303, 201]);
    expect(await t.db('photos').where({ grave_id: graveId })).toHaveLength(2);
    expect(await t.db('photos').where({ grave_id: graveId, is_current: true })).toHaveLength(1);
  });
});
