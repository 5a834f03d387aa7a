/**
 * Digital dossiers end to end on real services: a scanned PDF uploaded, rendered by pdftoppm,
 * read by Tesseract (vie) on the job queue, checked against the record, searched in the staff
 * index within jurisdiction, corrected from, exported; uploads judged by their content; OCR that
 * survives a cut-off worker and parks a page after three failures; delegation to a commune.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { ocrPage, renderDocument } from '../../server/dossiers/dossier.jobs.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { createMeiliClient } from '../../server/search/client.js';
import { silentLogger } from '../support/services.js';
import { dossierKeys } from '../../server/dossiers/dossier-files.js';
import { dossierText, random, scanPage, scanPdf } from '../../seeds/demo/scan-pages.js';
import { dossierBed, until, type DossierBed } from '../support/dossiers.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';
import { binary } from '../support/http-body.js';

const NOTICE = [
  'GIẤY BÁO TỬ', 'Đơn vị: Trung đoàn 141, Sư đoàn 312', 'Họ và tên: Nguyễn Văn Thắng', 'Sinh năm: 1950',
  'Quê quán: xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', 'Đã hy sinh ngày 12 tháng 3 năm 1972', 'Tại: mặt trận phía Nam', 'Thủ trưởng đơn vị',
];

describe('digital dossiers', () => {
  let bed: DossierBed;
  const m = { thang: 0, binh: 0 };
  const who: Record<string, { id: number; email: string }> = {};
  const as: Record<string, SignedIn> = {};
  let pdf: Buffer;
  let documentId = 0;
  let pageIds: number[] = [];

  beforeAll(async () => {
    bed = await dossierBed('dossiers');
    const { db } = bed.t;
    const [grave] = await db('graves').insert({ cemetery_id: bed.fx.cemeteries.truongSon, row_label: '77', plot_number: '7', state: 'identified' }).returning('id');
    m.thang = Number((await db('martyrs').insert({
      full_name: 'Nguyễn Văn Thắng', gender: 'male', birth_year: 1950, death_year: 1973, death_month: 3, death_day: 12, unit: 'Trung đoàn 141, Sư đoàn 312',
      hometown_text: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', hometown_old_commune_code: '18580', hometown_old_province_code: '42', hometown_commune_code: '18568', hometown_province_code: '42',
      grave_id: Number(grave!.id), is_public: true,
    }).returning('id'))[0]!.id);
    // Đại Nài was split between Thành Sen and Hà Huy Tập: a commune officer reads it only once confirmed.
    m.binh = Number((await db('martyrs').insert({ full_name: 'Trần Văn Bình', gender: 'male', death_year: 1968, hometown_text: 'phường Đại Nài, thị xã Hà Tĩnh', hometown_old_commune_code: '18082', hometown_province_code: '42' }).returning('id'))[0]!.id);
    who.province = await createStaff(db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh');
    who.otherProvince = await createStaff(db, [{ role: 'province_officer', provinceCode: '01', cemeteryId: null }], 'Sở Hà Nội');
    who.cemetery = await createStaff(db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: bed.fx.cemeteries.truongSon }], 'NTLS Trường Sơn');
    who.locHa = await createStaff(db, [], 'Xã Lộc Hà');
    who.thanhSen = await createStaff(db, [{ role: 'commune_officer', provinceCode: null, cemeteryId: null, communeCode: '18073' }], 'Phường Thành Sen');
    for (const k of ['province', 'otherProvince', 'cemetery', 'thanhSen']) as[k] = await signIn(bed.app, who[k]!.email);
    // A page with a scrawl of two words: nothing Tesseract reads with trust.
    const blank = await scanPage(['', '', 'Kính gửi'], { noise: 0.0005, seed: 5 });
    pdf = await scanPdf([await scanPage(NOTICE, { noise: 0.002, skewDegrees: 0.6, seed: 3 }), blank]);
  }, 180_000);

  afterAll(async () => {
    await bed?.close();
  });

  const upload = (s: SignedIn, martyrId: number, file: Buffer, name: string, fields: Record<string, string> = {}) => {
    let r = s.agent.post(`/quan-ly/ho-so/${martyrId}/tai-lieu?_csrf=${encodeURIComponent(s.csrf)}`).set('Accept', 'application/json');
    for (const [k, v] of Object.entries({ kind: 'death_notice', classification: 'internal', ...fields })) r = r.field(k, v);
    return r.attach('file', file, name);
  };

  it('takes a scanned PDF, keeps the original by its hash, renders its pages and reads them in Vietnamese on the job queue', async () => {
    const res = await upload(as.province!, m.thang, pdf, 'giấy báo tử.pdf', { issued: '20/04/1972', issuingBody: 'Trung đoàn 141', number: '45/GBT' });
    expect(res.status).toBe(201);
    documentId = res.body.documentId;
    const again = await upload(as.province!, m.thang, pdf, 'giấy báo tử.pdf');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ documentId, created: false });
    const hash = createHash('sha256').update(pdf).digest('hex');
    expect(readFileSync(path.join(bed.config.dataDir, 'dossiers', dossierKeys.original(hash, 'pdf'))).equals(pdf)).toBe(true);

    const pages = await until('both pages read', async () => {
      const rows = await bed.t.db('dossier_pages').where({ document_id: documentId }).orderBy('page_number');
      if (rows.some((r) => r.ocr_state === 'parked')) throw new Error(`a page was parked: ${rows.map((r) => r.ocr_error).join('; ')}`);
      return rows.length === 2 && rows.every((r) => r.ocr_state === 'done') ? rows : undefined;
    }, 150_000);
    pageIds = pages.map((p) => Number(p.id));
    expect(pages[0].ocr_text).toContain('GIẤY BÁO TỬ');
    expect(pages[0].ocr_text).toContain('Trung đoàn 141');
    expect(pages[0].ocr_text).toBe(pages[0].ocr_text.normalize('NFC'));
    expect(pages[0].ocr_confidence).toBeGreaterThan(75);
    expect(pages[0].writing).toBe('printed');
    expect(pages[0].ocr_words.length).toBeGreaterThan(30);
    expect(pages[0].ocr_words[0]).toMatchObject({ t: expect.any(String), x: expect.any(Number), w: expect.any(Number), c: expect.any(Number) });
    // A page of two words is nothing the checks can trust: taken for handwriting until staff say otherwise.
    expect(pages[1].writing).toBe('handwritten');
    expect(pages[0].width).toBeGreaterThan(2000);
    const doc = await bed.t.db('dossier_documents').where({ id: documentId }).first();
    expect(doc).toMatchObject({ state: 'ready', page_count: 2, kind: 'death_notice', issuing_body: 'Trung đoàn 141', document_number: '45/GBT', issued_year: 1972, issued_month: 4, issued_day: 20, content_hash: hash });
  }, 200_000);

  it('shows the one-minute check: the record beside the pages, each field with its source, the death date flagged with its evidence', async () => {
    const res = await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('Kiểm tra hồ sơ: Nguyễn Văn Thắng');
    expect(res.text).toContain('12/03/1973');
    expect(res.text).toContain('“12/03/1972”');
    expect(res.text).toMatch(/Đã hy sinh ngày 12 tháng 3 năm 1972/);
    expect(res.text).toContain('nhập từ phần mềm của tỉnh');
    expect(res.text).toContain(`/quan-ly/ho-so/trang/${pageIds[0]}/page`);
    expect(res.text).toMatch(/<rect class="dossier-box" x="\d+"/);
    const flags = await bed.t.db('dossier_flags').where({ martyr_id: m.thang });
    expect(flags.map((f) => f.field)).toEqual(['death_date']);
    expect(flags[0]).toMatchObject({ record_value: '12/03/1973', document_value: '12/03/1972', state: 'open', page_id: pageIds[0] });
    expect(flags[0].confidence).toBeGreaterThan(50);
    const image = await as.province!.agent.get(`/quan-ly/ho-so/trang/${pageIds[0]}/thumb`).buffer(true).parse(binary);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(image.body as Buffer).metadata()).format).toBe('jpeg');
    const en = await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}?lang=en`);
    expect(en.text).toContain('Dossier check');
    await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}?lang=vi`);
  });

  it('finds the page from the words it says, without diacritics and with a typo, marked on the image, within jurisdiction only', async () => {
    await until('the page indexed', async () => (await bed.t.db('dossier_pages').where({ id: pageIds[0] }).first())?.indexed_at);
    const search = (s: SignedIn, q: string) => s.agent.get('/quan-ly/ho-so').query({ q }).set('Accept', 'application/json');
    for (const q of ['giấy báo tử Trung đoàn 141 1972', 'giay bao tu trung doan 141 1972', 'giay bao tu trung doam 141']) {
      const res = await search(as.province!, q);
      expect(res.status, q).toBe(200);
      expect(res.body.hits.map((h: { pageId: number }) => h.pageId), q).toContain(pageIds[0]);
      expect(res.body.hits[0].boxes.length, q).toBeGreaterThanOrEqual(3);
    }
    expect((await search(as.cemetery!, 'giay bao tu 1972')).body.hits.map((h: { pageId: number }) => h.pageId)).toContain(pageIds[0]);
    expect((await search(as.otherProvince!, 'giay bao tu 1972')).body).toEqual({ total: 0, hits: [] });
    expect((await search(as.thanhSen!, 'giay bao tu 1972')).body.hits).toEqual([]);
    const html = await as.province!.agent.get('/quan-ly/ho-so').query({ q: 'trung doan 141' });
    expect(html.text).toContain(`/quan-ly/ho-so/${m.thang}#trang-${pageIds[0]}`);
    expect(html.text).toContain('dossier-box');
    expect((await request(bed.app).get('/quan-ly/ho-so').query({ q: 'giay bao tu' }).set('Accept', 'application/json')).status).toBe(401);
  });

  it('answers 503 in the page’s language when the search engine is down, and the check page still opens', async () => {
    const app = createApp({ config: bed.config, db: bed.t.db, meili: createMeiliClient('http://127.0.0.1:1', undefined, 1000), provinces: await loadProvinceCatalogue(bed.t.db), logger: silentLogger, jobs: bed.deps.jobs });
    const s = await signIn(app, who.province!.email);
    const res = await s.agent.get('/quan-ly/ho-so').query({ q: 'giay bao tu' });
    expect(res.status).toBe(503);
    expect(res.text).toContain('Tìm trong hồ sơ tạm thời không dùng được');
    expect((await s.agent.get(`/quan-ly/ho-so/${m.thang}`)).status).toBe(200);
  });

  it('writes one audit row per dossier opened per session, and the officer sees who opened it', async () => {
    const opened = () => bed.t.db('audit_log').where({ action: 'dossier.opened', entity_type: 'martyr', entity_id: m.thang, actor_user_id: who.province!.id }).count<{ count: string }[]>('* as count');
    const before = Number((await opened())[0]!.count);
    await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`);
    await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(Number((await opened())[0]!.count)).toBe(before);
    const second = await signIn(bed.app, who.province!.email);
    const page = await second.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(Number((await opened())[0]!.count)).toBe(before + 1);
    expect(page.text).toContain('Ai đã xem hồ sơ này');
    expect(page.text).toMatch(/Sở Hà Tĩnh \d+ · mở hồ sơ/);
    // Cemetery staff read the internal documents but keep nothing: no access list, no forms.
    const cemetery = await as.cemetery!.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(cemetery.status).toBe(200);
    expect(cemetery.text).not.toContain('Ai đã xem hồ sơ này');
    expect(cemetery.text).not.toContain('/sua"');
  });

  it('corrects the record from the document (audited, with the document as the reason) and refuses a bad value in Vietnamese', async () => {
    const bad = await as.province!.agent.post(`/quan-ly/ho-so/${m.thang}/sua`).type('form').send({ _csrf: as.province!.csrf, field: 'death_date', value: 'ba mươi', documentId: String(documentId) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Giá trị chưa hợp lệ');
    expect((await bed.t.db('martyrs').where({ id: m.thang }).first()).death_year).toBe(1973);
    const res = await as.province!.agent.post(`/quan-ly/ho-so/${m.thang}/sua`).type('form').send({ _csrf: as.province!.csrf, field: 'death_date', value: '12/03/1972', documentId: String(documentId), note: 'theo giấy báo tử' });
    expect(res.status).toBe(303);
    expect(await bed.t.db('martyrs').where({ id: m.thang }).first()).toMatchObject({ death_year: 1972, death_month: 3, death_day: 12 });
    const audit = await bed.t.db('audit_log').where({ action: 'martyr.corrected_from_dossier', entity_id: m.thang }).first();
    expect(audit.before).toEqual({ death_year: 1973 });
    expect(audit.after).toEqual({ death_year: 1972 });
    expect(audit.reason).toContain(`tài liệu #${documentId} (death_notice, số 45/GBT)`);
    expect(await bed.t.db('search_outbox').where({ entity_type: 'martyr', entity_id: m.thang }).first()).toBeTruthy();
    expect((await bed.t.db('dossier_flags').where({ martyr_id: m.thang }).first()).state).toBe('corrected');
    const page = await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(page.text).toContain('sửa theo hồ sơ');
    // Cemetery staff may not correct.
    const refused = await as.cemetery!.agent.post(`/quan-ly/ho-so/${m.thang}/sua`).type('form').send({ _csrf: as.cemetery!.csrf, field: 'unit', value: 'X', documentId: String(documentId) });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('chỉ được đọc');
  });

  it('exports the dossier as one watermarked PDF and serves originals only as attachments, both audited', async () => {
    const res = await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}/xuat`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    const exported = await PDFDocument.load(res.body as Buffer);
    expect(exported.getPageCount()).toBe(3);
    expect(exported.getSubject()).toMatch(/Sở Hà Tĩnh \d+ .* lúc \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
    expect(await bed.t.db('audit_log').where({ action: 'dossier.exported', entity_id: m.thang, actor_user_id: who.province!.id }).first()).toBeTruthy();
    const original = await as.province!.agent.get(`/quan-ly/ho-so/tai-lieu/${documentId}/goc`).buffer(true).parse(binary);
    expect(original.status).toBe(200);
    expect(original.headers['content-type']).toBe('application/octet-stream');
    expect(original.headers['content-disposition']).toMatch(/^attachment;/);
    expect(original.headers['content-security-policy']).toContain('sandbox');
    expect((original.body as Buffer).equals(pdf)).toBe(true);
    expect(await bed.t.db('audit_log').where({ action: 'dossier.downloaded', entity_id: m.thang }).first()).toMatchObject({ after: expect.objectContaining({ documentId }) });
    expect((await as.otherProvince!.agent.get(`/quan-ly/ho-so/tai-lieu/${documentId}/goc`)).status).toBe(404);
  });

  it('judges uploads by their content: active PDFs, wrong types, corrupt files, bombs and too many pages are refused and leave nothing', async () => {
    const count = async () => Number((await bed.t.db('dossier_documents').count<{ count: string }[]>('* as count'))[0]!.count);
    const before = await count();
    const withJs = await PDFDocument.load(pdf);
    withJs.addJavaScript('hello', 'app.alert("x")');
    const withFile = await PDFDocument.load(pdf);
    await withFile.attach(Buffer.from('secret'), 'notes.txt', { mimeType: 'text/plain' });
    const many = await PDFDocument.create();
    for (let i = 0; i < 201; i += 1) many.addPage([100, 100]);
    const wide = await sharp({ create: { width: 12_500, height: 60, channels: 3, background: '#fff' } }).png().toBuffer();
    const cases: [string, Buffer, string, number, RegExp][] = [
      ['JavaScript', Buffer.from(await withJs.save()), 'a.pdf', 422, /JavaScript/],
      ['an embedded file', Buffer.from(await withFile.save()), 'b.pdf', 422, /tệp đính kèm/],
      ['text named .pdf', Buffer.from('Họ và tên: không phải PDF'), 'c.pdf', 415, /không phải PDF, JPEG, PNG hay TIFF/],
      ['a truncated PDF', pdf.subarray(0, 2000), 'd.pdf', 422, /hỏng hoặc không đọc được/],
      ['a pixel bomb', wide, 'e.png', 422, /quá lớn/],
      ['201 pages', Buffer.from(await many.save()), 'f.pdf', 422, /nhiều hơn 200 trang/],
      ['nothing', Buffer.alloc(0), 'g.pdf', 400, /tệp rỗng/],
    ];
    for (const [what, file, name, status, message] of cases) {
      const res = await upload(as.province!, m.thang, file, name);
      expect(res.status, what).toBe(status);
      expect(res.body.error.message, what).toMatch(message);
      expect(res.text, what).not.toMatch(/at .*\.ts:\d+/);
    }
    const page = await as.province!.agent.post(`/quan-ly/ho-so/${m.thang}/tai-lieu?_csrf=${encodeURIComponent(as.province!.csrf)}`).field('kind', 'death_notice').attach('file', Buffer.from('GIF89a'), 'x.pdf');
    expect(page.status).toBe(415);
    expect(page.text).toContain('<form');
    expect(await count()).toBe(before);
  });

  it('renders every page of a multi-page TIFF from an archive scanner', async () => {
    const next = random(9);
    const scans = [await scanPage(dossierText(next, 'certificate').lines), await scanPage(dossierText(next, 'certificate').lines)];
    // Two pages in one LZW TIFF, as an archive scanner writes them (libvips through sharp; no ImageMagick needed).
    const tiff = await sharp(scans, { join: { animated: true } }).tiff({ compression: 'lzw' }).toBuffer();
    const res = await upload(as.province!, m.thang, tiff, 'bang.tif', { kind: 'certificate', classification: 'restricted' });
    expect(res.status).toBe(201);
    const pages = await until('the TIFF pages rendered', async () => {
      const rows = await bed.t.db('dossier_pages').where({ document_id: res.body.documentId });
      return rows.length === 2 ? rows : undefined;
    });
    expect(pages.map((p) => p.page_number).sort()).toEqual([1, 2]);
    // Restricted: the cemetery's staff do not see it; the province does.
    expect((await as.cemetery!.agent.get(`/quan-ly/ho-so/${m.thang}`)).text).not.toContain(`tai-lieu-${res.body.documentId}`);
    expect((await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`)).text).toContain(`tai-lieu-${res.body.documentId}`);
    expect((await as.cemetery!.agent.get(`/quan-ly/ho-so/tai-lieu/${res.body.documentId}/goc`)).status).toBe(404);
    expect((await as.cemetery!.agent.get(`/quan-ly/ho-so/trang/${pages[0].id}/thumb`)).status).toBe(404);
  }, 120_000);

  it('reads a page again after a worker was cut off mid-page, doubling nothing, and parks a page that fails three times', async () => {
    const { db } = bed.t;
    const pageId = pageIds[0]!;
    const before = await db('dossier_pages').where({ id: pageId }).first();
    // As a kill -9 leaves it: claimed, counted, never finished.
    await db('dossier_pages').where({ id: pageId }).update({ ocr_state: 'running', ocr_attempts: 1 });
    await ocrPage(bed.deps, pageId);
    const after = await db('dossier_pages').where({ id: pageId }).first();
    expect(after).toMatchObject({ ocr_state: 'done', ocr_attempts: 2, ocr_text: before.ocr_text });
    expect(after.ocr_words.length).toBe(before.ocr_words.length);
    expect(Number((await db('dossier_flags').where({ page_id: pageId }).count<{ count: string }[]>('* as count'))[0]!.count)).toBe(1);
    await ocrPage(bed.deps, pageId); // a repeated job finds the page done and does nothing
    expect((await db('dossier_pages').where({ id: pageId }).first()).ocr_attempts).toBe(2);

    // A page whose image is damaged in storage: Tesseract fails every time.
    const [broken] = await db('dossier_pages').insert({ document_id: documentId, page_number: 99, width: 10, height: 10, full_key: 'pages/broken.full.jpg', page_key: 'pages/broken.page.jpg', thumb_key: 'pages/broken.thumb.jpg' }).returning('id');
    await bed.deps.store.put('pages/broken.full.jpg', Buffer.from('not an image'));
    const brokenId = Number(broken!.id);
    await expect(ocrPage(bed.deps, brokenId)).rejects.toThrow();
    expect((await db('dossier_pages').where({ id: brokenId }).first()).ocr_state).toBe('retrying');
    await expect(ocrPage(bed.deps, brokenId)).rejects.toThrow();
    await ocrPage(bed.deps, brokenId);
    const parked = await db('dossier_pages').where({ id: brokenId }).first();
    expect(parked).toMatchObject({ ocr_state: 'parked', ocr_attempts: 3 });
    expect(parked.ocr_error).toBeTruthy();
    const page = await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(page.text).toContain('không nhận dạng được sau 3 lần');
    expect(page.text).toContain(`/quan-ly/ho-so/trang/${brokenId}/doc-lai`);
    const retry = await as.province!.agent.post(`/quan-ly/ho-so/trang/${brokenId}/doc-lai`).type('form').send({ _csrf: as.province!.csrf });
    expect(retry.status).toBe(303);
    expect(['pending', 'running', 'retrying']).toContain((await db('dossier_pages').where({ id: brokenId }).first()).ocr_state);
    await db('dossier_pages').where({ id: brokenId }).del();
  }, 120_000);

  it('says so on the dossier when a scan cannot be rendered, instead of a stuck job', async () => {
    const { db } = bed.t;
    const corrupt = Buffer.concat([pdf.subarray(0, 400), Buffer.alloc(4000, 0x20), Buffer.from('%%EOF')]);
    await bed.deps.store.put('originals/corrupt.pdf', corrupt);
    const [row] = await db('dossier_documents').insert({
      martyr_id: m.thang, kind: 'other', file_name: 'hỏng.pdf', media_type: 'application/pdf', content_hash: 'f'.repeat(64), original_key: 'originals/corrupt.pdf', bytes: corrupt.length, page_count: 1, uploaded_by: who.province!.id,
    }).returning('id');
    await renderDocument(bed.deps, Number(row!.id));
    expect(await db('dossier_documents').where({ id: row!.id }).first()).toMatchObject({ state: 'failed', render_error: expect.stringMatching(/^unreadable: /) });
    expect((await as.province!.agent.get(`/quan-ly/ho-so/${m.thang}`)).text).toContain('hỏng.pdf: tệp bị hỏng hoặc không đọc được.');
  });

  it('lets a province officer delegate a commune: whole old communes at once, split ones record by record', async () => {
    const grant = await as.province!.agent.post('/quan-ly/ho-so/uy-quyen').type('form').send({ _csrf: as.province!.csrf, email: who.locHa!.email, commune: '18568' });
    expect(grant.status).toBe(303);
    expect(await bed.t.db('user_roles').where({ user_id: who.locHa!.id, role: 'commune_officer', commune_code: '18568', granted_by: who.province!.id }).first()).toBeTruthy();
    expect(await bed.t.db('audit_log').where({ action: 'user.commune_granted', entity_id: who.locHa!.id }).first()).toBeTruthy();
    const list = await as.province!.agent.get('/quan-ly/ho-so/uy-quyen');
    expect(list.text).toContain(who.locHa!.email);
    // An officer of another province cannot delegate a Hà Tĩnh commune.
    expect((await as.otherProvince!.agent.post('/quan-ly/ho-so/uy-quyen').type('form').send({ _csrf: as.otherProvince!.csrf, email: who.locHa!.email, commune: '18573' })).status).toBe(404);
    expect((await as.cemetery!.agent.get('/quan-ly/ho-so/uy-quyen')).status).toBe(404);

    const locHa = await signIn(bed.app, who.locHa!.email);
    const page = await locHa.agent.get(`/quan-ly/ho-so/${m.thang}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`tai-lieu-${documentId}`);
    expect(page.text).not.toContain('dossier-restricted');
    expect((await locHa.agent.get(`/quan-ly/ho-so/${m.binh}`)).status).toBe(404);
    // Nothing else of the staff area opens to a commune officer through it.
    expect((await locHa.agent.get(`/quan-ly/lich-su/martyr/${m.thang}`)).status).toBe(404);

    expect((await as.thanhSen!.agent.get(`/quan-ly/ho-so/${m.binh}`)).status).toBe(404);
    const split = await as.province!.agent.get('/quan-ly/ho-so/uy-quyen/18073');
    expect(split.text).toContain('Trần Văn Bình');
    expect(split.text).toContain('Phường Hà Huy Tập');
    const confirm = await as.province!.agent.post('/quan-ly/ho-so/uy-quyen/18073').type('form').send({ _csrf: as.province!.csrf, martyrId: String(m.binh) });
    expect(confirm.status).toBe(303);
    expect((await as.thanhSen!.agent.get(`/quan-ly/ho-so/${m.binh}`)).status).toBe(200);
    // Thạch Kim went whole into Lộc Hà: there is nothing to confirm for it.
    const notSplit = await as.province!.agent.post('/quan-ly/ho-so/uy-quyen/18568').type('form').send({ _csrf: as.province!.csrf, martyrId: String(m.thang) });
    expect(notSplit.status).toBe(400);
  });

  it('lets an admin give the commune officer role on the account page, with its commune', async () => {
    const admin = await signIn(bed.app, (await createStaff(bed.t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }], 'Quản trị')).email);
    const officer = await createStaff(bed.t.db, [], 'Xã mới');
    const res = await admin.agent.post(`/quan-ly/nguoi-dung/${officer.id}/vai-tro`).type('form').send({ _csrf: admin.csrf, role: 'commune_officer', province: '', cemetery: '', commune: '18568', reason: 'uỷ quyền' });
    expect(res.status).toBe(303);
    expect(await bed.t.db('user_roles').where({ user_id: officer.id }).select('role', 'commune_code')).toEqual([{ role: 'commune_officer', commune_code: '18568' }]);
    const refused = await admin.agent.post(`/quan-ly/nguoi-dung/${officer.id}/vai-tro`).type('form').send({ _csrf: admin.csrf, role: 'commune_officer', province: '', cemetery: '', commune: '' });
    expect(refused.status).toBe(400);
    expect((await admin.agent.get(`/quan-ly/nguoi-dung/${officer.id}`)).text).toContain('value="18568"');
  });

  it('links the dossier from the review of a citizen submission about the record', async () => {
    const [sub] = await bed.t.db('submissions').insert({
      tracking_code: 'HS-TEST-0001', kind: 'martyr_correction', martyr_id: m.thang, province_code: '42', sender_name: 'Thân nhân', sender_contact: '0900000000', message: 'Ngày hy sinh là 12/3/1972', proposed: JSON.stringify({ death_date: '12/03/1972' }),
    }).returning('id');
    const review = await as.province!.agent.get(`/quan-ly/thong-tin/${sub!.id}`);
    expect(review.status).toBe(200);
    expect(review.text).toContain(`href="/quan-ly/ho-so/${m.thang}"`);
  });

  it('takes a folder of scans matched by file name, for review before they join a dossier', async () => {
    const file = await sharp(await scanPage(['BIÊN BẢN QUY TẬP', 'Hài cốt liệt sĩ Trần Văn Bình'])).jpeg().toBuffer();
    const send = (name: string, data = file) => as.province!.agent.post(`/quan-ly/ho-so/tai-thu-muc?_csrf=${encodeURIComponent(as.province!.csrf)}`).set('Accept', 'application/json').field('path', name).attach('file', data, name.split('/').pop()!);
    const res = await send(`quet/${m.binh}_quy-tap.jpg`);
    expect(res.status).toBe(201);
    const unmatched = await send('quet/khong-ro.png', await sharp(file).png().toBuffer());
    expect(unmatched.status).toBe(201);
    const review = await as.province!.agent.get('/quan-ly/ho-so/tai-thu-muc/duyet');
    expect(review.text).toContain('Trần Văn Bình');
    expect(review.text).toContain('theo mã hồ sơ');
    expect(review.text).toContain('Không tìm thấy hồ sơ theo tên tệp');
    const decide = await as.province!.agent.post('/quan-ly/ho-so/tai-thu-muc/duyet').type('form').send({
      _csrf: as.province!.csrf, item: [String(res.body.itemId), String(unmatched.body.itemId)],
      [`action[${res.body.itemId}]`]: 'attach', [`martyr[${res.body.itemId}]`]: String(m.binh), [`kind[${res.body.itemId}]`]: 'reburial_minutes', [`classification[${res.body.itemId}]`]: 'internal',
      [`action[${unmatched.body.itemId}]`]: 'discard',
    });
    expect(decide.status).toBe(303);
    expect(await bed.t.db('dossier_documents').where({ martyr_id: m.binh, kind: 'reburial_minutes' }).first()).toBeTruthy();
    expect((await as.province!.agent.get('/quan-ly/ho-so/tai-thu-muc/duyet')).text).toContain('Không có tệp nào đang chờ ghép.');
    // A file named after a record outside the uploader's scope proposes nothing.
    const outside = await as.otherProvince!.agent.post(`/quan-ly/ho-so/tai-thu-muc?_csrf=${encodeURIComponent(as.otherProvince!.csrf)}`).set('Accept', 'application/json').field('path', `${m.binh}.jpg`).attach('file', file, `${m.binh}.jpg`);
    expect(outside.status).toBe(201);
    expect((await as.otherProvince!.agent.get('/quan-ly/ho-so/tai-thu-muc/duyet')).text).not.toContain('Trần Văn Bình');
  });
});
