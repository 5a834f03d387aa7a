/**
 * Not one byte of a dossier on a public surface, and every dossier route against every role: staff
 * outside the jurisdiction get the 404 an unknown record gets, readers by delegation read internal
 * documents only, only keepers change anything. A public martyr page is the same byte for byte
 * before and after the record has a dossier.
 */
import request from 'supertest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPages } from '../../server/dossiers/dossier-index.js';
import { parseTesseractTsv } from '../../server/dossiers/ocr.js';
import { martyrUrl } from '../../server/records/urls.js';
import { reindex } from '../../server/search/reindex.js';
import { dossierBed, type DossierBed } from '../support/dossiers.js';
import { silentLogger } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';

/** Words only the dossier holds: none may appear on a public surface. */
const SECRET_TEXT = 'Giấy báo tử mật: đồng chí hy sinh tại Đồi Bí Mật 4417 ngày 12 tháng 3 năm 1972';
const SECRET_WORDS = ['Bí Mật 4417', 'bi mat 4417', '4417', 'GBT-SECRET-88', 'ho-so-mat.pdf', '/quan-ly/ho-so', 'dossier'];

const ROLES = ['anonymous', 'admin', 'ministry', 'provinceIn', 'provinceOut', 'cemeteryIn', 'cemeteryOut', 'communeIn', 'communeOut'] as const;
type Role = (typeof ROLES)[number];
/** keep: reads everything and changes; read: internal documents only, changes nothing; none: 404. */
const ACCESS: Record<Role, 'keep' | 'read' | 'none' | 'anonymous'> = {
  anonymous: 'anonymous', admin: 'keep', ministry: 'keep', provinceIn: 'keep', provinceOut: 'none', cemeteryIn: 'read', cemeteryOut: 'none', communeIn: 'read', communeOut: 'none',
};


describe('dossiers on the privacy matrix', () => {
  let bed: DossierBed;
  let martyrId = 0;
  let martyrPath = '';
  const doc = { internal: 0, restricted: 0 };
  const page = { internal: 0, restricted: 0 };
  let flagId = 0;
  const as: Partial<Record<Role, SignedIn>> = {};
  const before: Record<string, string> = {};

  // Canonical links and QR codes name the host asked for: one host, so pages compare byte for byte.
  const untimed = (text: string) => text.replace(/"tookMs":\d+/g, '"tookMs":0');
  const publicGet = (url: string) => request(bed.app).get(url).set('Host', 'portal.example');

  const publicSurfaces = () => [
    martyrPath, `${martyrPath}?print=1`, `${martyrPath}?lang=en`, `/api/martyrs/${martyrId}`, '/api/search?q=bi%20mat%204417', '/api/search?q=GBT-SECRET-88', '/api/suggest?q=bi%20mat', '/tim-kiem?q=bi%20mat%204417', '/sitemap.xml',
  ];

  beforeAll(async () => {
    bed = await dossierBed('privdoss', { queue: false });
    const { db } = bed.t;
    const [grave] = await db('graves').insert({ cemetery_id: bed.fx.cemeteries.truongSon, row_label: '81', plot_number: '1', state: 'identified', inscription: 'LIỆT SĨ HOÀNG VĂN CÔNG' }).returning('id');
    martyrId = Number((await db('martyrs').insert({
      full_name: 'Hoàng Văn Công', gender: 'male', death_year: 1972, hometown_text: 'xã Thạch Kim, Thạch Hà, Hà Tĩnh', hometown_old_commune_code: '18580', hometown_province_code: '42', hometown_commune_code: '18568', grave_id: Number(grave!.id),
    }).returning('id'))[0]!.id);
    martyrPath = martyrUrl(martyrId, 'Hoàng Văn Công');
    await reindex(db, bed.deps.meili, bed.config.meiliIndex, silentLogger);
    // The public surfaces before the record has a dossier.
    for (const url of publicSurfaces()) before[url] = untimed((await publicGet(url)).text);

    const image = await sharp({ create: { width: 1000, height: 1400, channels: 3, background: '#fff' } }).jpeg().toBuffer();
    const tsv = ['level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
      ...SECRET_TEXT.split(' ').map((w, i) => `5\t1\t1\t1\t1\t${i + 1}\t${50 + i * 40}\t100\t35\t30\t93\t${w}`)].join('\n');
    const ocr = parseTesseractTsv(tsv);
    for (const classification of ['internal', 'restricted'] as const) {
      const [d] = await db('dossier_documents').insert({
        martyr_id: martyrId, kind: 'death_notice', classification, file_name: 'ho-so-mat.pdf', media_type: 'application/pdf', content_hash: (classification === 'internal' ? 'a' : 'b').repeat(64),
        original_key: `originals/${classification}.pdf`, bytes: 10, page_count: 1, state: 'ready', document_number: 'GBT-SECRET-88',
      }).returning('id');
      doc[classification] = Number(d!.id);
      await bed.deps.store.put(`originals/${classification}.pdf`, Buffer.from('%PDF-1.4 secret'));
      for (const size of ['full', 'page', 'thumb']) await bed.deps.store.put(`pages/${d!.id}/1.${size}.jpg`, image);
      const [p] = await db('dossier_pages').insert({
        document_id: d!.id, page_number: 1, width: 1000, height: 1400, full_key: `pages/${d!.id}/1.full.jpg`, page_key: `pages/${d!.id}/1.page.jpg`, thumb_key: `pages/${d!.id}/1.thumb.jpg`,
        ocr_state: 'done', ocr_text: ocr.text, ocr_words: JSON.stringify(ocr.words), ocr_confidence: ocr.confidence, writing: 'printed', writing_set_by: 'ocr',
      }).returning('id');
      page[classification] = Number(p!.id);
    }
    flagId = Number((await db('dossier_flags').insert({ martyr_id: martyrId, page_id: page.internal, field: 'death_date', record_value: '1972', document_value: '12/03/1971', evidence: SECRET_TEXT }).returning('id'))[0]!.id);
    await indexPages(db, bed.deps.meili, bed.deps.indexUid, [page.internal, page.restricted]);
    // The public index rebuilt after the dossier exists: what a reindex would put in it.
    await reindex(db, bed.deps.meili, bed.config.meiliIndex, silentLogger);

    const grants: Record<Exclude<Role, 'anonymous'>, Parameters<typeof createStaff>[1]> = {
      admin: [{ role: 'admin', provinceCode: null, cemeteryId: null }],
      ministry: [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }],
      provinceIn: [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }],
      provinceOut: [{ role: 'province_officer', provinceCode: '01', cemeteryId: null }],
      cemeteryIn: [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: bed.fx.cemeteries.truongSon }],
      cemeteryOut: [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: bed.fx.cemeteries.haTinh }],
      communeIn: [{ role: 'commune_officer', provinceCode: null, cemeteryId: null, communeCode: '18568' }],
      communeOut: [{ role: 'commune_officer', provinceCode: null, cemeteryId: null, communeCode: '09664' }],
    };
    for (const [role, g] of Object.entries(grants)) as[role as Role] = await signIn(bed.app, (await createStaff(db, g, role)).email);
  }, 180_000);

  afterAll(async () => {
    await bed?.close();
  });

  it('leaves every public page, API answer and the public search index exactly as they were', async () => {
    for (const url of publicSurfaces()) {
      const res = await publicGet(url);
      expect(untimed(res.text), url).toBe(before[url]);
      // A search page repeats what was typed (in its box, its links): for it the byte-for-byte equality above is the proof.
      if (url.includes('q=')) continue;
      for (const secret of SECRET_WORDS.slice(0, 5)) expect(res.text, `${url} shows ${secret}`).not.toContain(secret);
    }
    const martyrPage = await request(bed.app).get(martyrPath);
    expect(martyrPage.status).toBe(200);
    expect(martyrPage.text).toContain('Hoàng Văn Công');
    for (const word of SECRET_WORDS) expect(martyrPage.text).not.toContain(word);
    const publicHits = await bed.deps.meili.index(bed.config.meiliIndex).search('bi mat 4417 giay bao tu');
    expect(publicHits.hits.filter((h) => JSON.stringify(h).includes('4417'))).toEqual([]);
    expect((await bed.deps.meili.index(bed.config.meiliIndex).search('Hoàng Văn Công')).hits.length).toBeGreaterThan(0);
    // The staff index holds the page, and no public record.
    const staff = await bed.deps.meili.index(bed.deps.indexUid).search('', { limit: 100 });
    expect(staff.hits.map((h) => h.id).sort()).toEqual([`page-${page.internal}`, `page-${page.restricted}`].sort());
  });

  it('serves no dossier file under the public doors', async () => {
    for (const url of [`/photos/pages/${doc.internal}/1.page.jpg`, `/photos/originals/internal.pdf`, `/static/../dossiers/pages/${doc.internal}/1.page.jpg`, `/dossiers/pages/${doc.internal}/1.page.jpg`]) {
      const res = await request(bed.app).get(url);
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type'] ?? '', url).not.toMatch(/image|pdf/);
    }
  });

  const getRoutes = () => [
    { name: 'check page', url: `/quan-ly/ho-so/${martyrId}`, reader: 200 },
    { name: 'internal page image', url: `/quan-ly/ho-so/trang/${page.internal}/page`, reader: 200 },
    { name: 'internal thumbnail', url: `/quan-ly/ho-so/trang/${page.internal}/thumb`, reader: 200 },
    { name: 'restricted page image', url: `/quan-ly/ho-so/trang/${page.restricted}/full`, reader: 404 },
    { name: 'internal original', url: `/quan-ly/ho-so/tai-lieu/${doc.internal}/goc`, reader: 200 },
    { name: 'restricted original', url: `/quan-ly/ho-so/tai-lieu/${doc.restricted}/goc`, reader: 404 },
    { name: 'export', url: `/quan-ly/ho-so/${martyrId}/xuat`, reader: 200 },
  ];

  it.each(ROLES)('GET routes for %s', async (role) => {
    const access = ACCESS[role];
    for (const route of getRoutes()) {
      const res = access === 'anonymous' ? await request(bed.app).get(route.url) : await as[role]!.agent.get(route.url);
      const expected = access === 'anonymous' ? 303 : access === 'none' ? 404 : access === 'read' ? route.reader : 200;
      expect(res.status, `${role} ${route.name}`).toBe(expected);
      if (expected === 404 || expected === 303) {
        for (const word of ['4417', 'GBT-SECRET-88', 'ho-so-mat.pdf']) expect(res.text ?? '', `${role} ${route.name}`).not.toContain(word);
        expect(res.headers['content-type'] ?? '', `${role} ${route.name}`).not.toMatch(/image|pdf|octet/);
      }
    }
    if (access === 'anonymous') {
      expect((await request(bed.app).get('/quan-ly/ho-so').query({ q: '4417' }).set('Accept', 'application/json')).status).toBe(401);
      return;
    }
    const hits = (await as[role]!.agent.get('/quan-ly/ho-so').query({ q: 'bi mat 4417' }).set('Accept', 'application/json')).body.hits.map((h: { pageId: number }) => h.pageId).sort();
    const expectedHits = access === 'none' ? [] : access === 'read' ? [page.internal] : [page.internal, page.restricted].sort();
    expect(hits, `${role} search`).toEqual(expectedHits);
    const check = await as[role]!.agent.get(`/quan-ly/ho-so/${martyrId}`);
    if (access === 'read') expect(check.text, role).not.toContain(`tai-lieu-${doc.restricted}`);
    if (access === 'keep') expect(check.text, role).toContain(`tai-lieu-${doc.restricted}`);
  });

  it.each(ROLES)('POST routes for %s', async (role) => {
    const access = ACCESS[role];
    const s = as[role];
    const csrf = s?.csrf ?? 'none';
    const agent = s?.agent ?? request.agent(bed.app);
    const forms: { name: string; url: string; body: Record<string, string> }[] = [
      { name: 'correct', url: `/quan-ly/ho-so/${martyrId}/sua`, body: { field: 'unit', value: `Đơn vị ${role}`, documentId: String(doc.internal) } },
      { name: 'flag checked', url: `/quan-ly/ho-so/co/${flagId}/da-kiem-tra`, body: {} },
      { name: 'writing', url: `/quan-ly/ho-so/trang/${page.internal}/chu-viet`, body: { writing: 'handwritten' } },
      { name: 'read again', url: `/quan-ly/ho-so/trang/${page.internal}/doc-lai`, body: {} },
      { name: 'restricted page writing', url: `/quan-ly/ho-so/trang/${page.restricted}/chu-viet`, body: { writing: 'handwritten' } },
    ];
    for (const form of forms) {
      const res = await agent.post(form.url).type('form').send({ _csrf: csrf, ...form.body });
      const restricted = form.name.startsWith('restricted');
      if (access === 'anonymous') expect(res.status, `${role} ${form.name}`).toBe(401);
      else if (access === 'none' || (access === 'read' && restricted)) expect(res.status, `${role} ${form.name}`).toBe(404);
      else if (access === 'read') expect(res.status, `${role} ${form.name}`).toBe(400);
      else expect([303, 409], `${role} ${form.name}: ${res.status}`).toContain(res.status);
      expect(res.status).toBeLessThan(500);
    }
    const upload = await agent.post(`/quan-ly/ho-so/${martyrId}/tai-lieu?_csrf=${encodeURIComponent(csrf)}`).set('Accept', 'application/json').field('kind', 'other').attach('file', Buffer.from('%PDF-1.4'), 'x.pdf');
    const expected = access === 'anonymous' ? 401 : access === 'none' ? 404 : access === 'read' ? 400 : 409;
    expect(upload.status, `${role} upload`).toBe(expected);
    const unit = (await bed.t.db('martyrs').where({ id: martyrId }).first()).unit;
    if (access !== 'keep') expect(unit, role).not.toBe(`Đơn vị ${role}`);
  });

  it('tells a province officer who opened the dossier; a reader sees no such list', async () => {
    const rows = await bed.t.db('audit_log').where({ action: 'dossier.opened', entity_type: 'martyr', entity_id: martyrId });
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const officer = await as.provinceIn!.agent.get(`/quan-ly/ho-so/${martyrId}`);
    expect(officer.text).toContain('communeIn');
    expect((await as.communeIn!.agent.get(`/quan-ly/ho-so/${martyrId}`)).text).not.toContain('Ai đã xem hồ sơ này');
  });
});
