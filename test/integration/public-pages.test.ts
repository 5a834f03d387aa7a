/** The public pages rendered on the server: martyr, grave, cemetery, province, sitemap, photos. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGraveQuery } from '../../server/pages/cemetery-graves.queries.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, testConfig, type TestDatabase } from '../support/services.js';

const CONFIDENTIAL_NAME = 'Nguyễn Văn Bảo Mật';
const CONFIDENTIAL_NOTE = 'Hồ sơ mật';
const HASH = 'a1b2c3d4e5f60718';
/** Without a configured public URL, canonical links use the host the request came to. */
const HOST = 'liet-si.test';

/**
 * Every page must work under a CSP that allows no inline script and no style attribute. A JSON-LD
 * block (type="application/ld+json") is data the browser never runs, so the CSP allows it.
 */
function expectCspClean(html: string) {
  expect(html).not.toMatch(/<script(?![^>]*\s(src="|type="application\/ld\+json"))/i);
  expect(html).not.toMatch(/\sstyle=/i);
}

describe('public pages', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let dataDir: string;
  let graveInSection: number;

  beforeAll(async () => {
    t = await createTestDatabase('pages');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    // Partial dates as records write them: month and year of birth, a full date of death.
    await db('martyrs').where({ id: fx.martyrs.thanhHaTinh1948 }).update({ birth_month: 5, death_month: 3, death_day: 12, rank: 'Hạ sĩ', place_of_death: 'Mặt trận Quảng Trị' });
    // Trường Sơn gets a section A around its graves, and Thành's grave lies in it.
    const [section] = await db('cemetery_sections')
      .insert({ cemetery_id: fx.cemeteries.truongSon, code: 'A', kind: 'khu', boundary: db.raw('ST_MakeEnvelope(106.9495, 16.9495, 106.9515, 16.9515, 4326)') })
      .returning('id');
    graveInSection = fx.graves.ofThanh;
    await db('graves').where({ id: graveInSection }).update({ section_id: Number(section!.id) });
    // Sixty unnamed graves in row 9, so the list has a second page.
    await db.raw(
      `INSERT INTO graves (cemetery_id, row_label, plot_number, position, state)
       SELECT ?, '9', i::text, ST_SetSRID(ST_MakePoint(106.9500 + i * 0.00001, 16.9510), 4326), 'unknown' FROM generate_series(1, 60) AS i`,
      [fx.cemeteries.truongSon],
    );
    // A headstone photo of Thành's grave, in the sizes the portal serves.
    const key = (size: string) => `graves/${graveInSection}/${HASH}-${size}.jpg`;
    await db('photos').insert({
      grave_id: graveInSection, original_key: key('original'), full_key: key('full'), page_key: key('page'), thumb_key: key('thumb'),
      content_hash: 'f'.repeat(64), width: 600, height: 800, bytes: 1000, is_current: true,
    });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-pages-'));
    await mkdir(path.join(dataDir, 'photos', 'graves', String(graveInSection)), { recursive: true });
    for (const size of ['original', 'full', 'page', 'thumb']) await writeFile(path.join(dataDir, 'photos', key(size)), Buffer.from(`jpeg ${size}`));
    app = await testApp(t.db, { config: testConfig({ DATA_DIR: dataDir }) });
  });
  afterAll(async () => {
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Handlebars writes "=" in attribute values as &#x3D; (valid HTML); tests read the decoded text. */
  const page = async (url: string) => {
    const res = await request(app).get(url).set('Accept', 'text/html').set('Host', HOST);
    return Object.assign(res, { text: res.text.replace(/&#x3D;/g, '=') });
  };

  describe('a martyr', () => {
    it('shows every public field, partial dates as written, the grave, photo, map, directions, QR and sharing tags', async () => {
      const res = await page(`/liet-si/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh`);
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/html');
      const html = res.text;
      expect(html).toContain('<h1 lang="vi">Nguyễn Văn Thành</h1>');
      expect(html).toContain('05/1948');
      expect(html).toContain('12/03/1968');
      expect(html).toContain('Thạch Kim, Thạch Hà, Hà Tĩnh');
      expect(html).toContain('Đại đội 3, Tiểu đoàn 2, Trung đoàn 64, Sư đoàn 320');
      expect(html).toContain('Hạ sĩ');
      expect(html).toContain('Mặt trận Quảng Trị');
      expect(html).toMatch(new RegExp(`href="/nghia-trang/${fx.cemeteries.haTinh}-nghia-trang-liet-si-tinh-ha-tinh"`));
      expect(html).toContain('href="/tinh/ha-tinh"');
      expect(html).toMatch(/<dt>Hàng<\/dt><dd>\d+<\/dd>/);
      expect(html).toMatch(/href="geo:18\.\d+,105\.\d+\?q=18\.\d+,105\.\d+\(/);
      expect(html).toContain('https://www.google.com/maps/search/?api=1&amp;query=18.');
      expect(html).toContain('https://www.openstreetmap.org/?mlat=18.');
      expect(html).toContain('https://maps.apple.com/?ll=18.');
      expect(html).toMatch(/<svg class="qr" role="img" aria-label="[^"]+"/);
      expect(html).toMatch(/<svg [^>]*class="map-svg map-locator"/);
      expect(html).toMatch(/<div id="map" class="maps" data-lat="18\.\d+" data-lng="105\.\d+" data-zoom="\d+">/);
      const canonical = `http://${HOST}/liet-si/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh`;
      expect(html).toContain(`<link rel="canonical" href="${canonical}">`);
      expect(html).toContain(`<meta property="og:url" content="${canonical}">`);
      expect(html).toContain('<meta property="og:title" content="Liệt sĩ Nguyễn Văn Thành">');
      expect(html).toContain('<meta property="og:type" content="profile">');
      expect(html).toMatch(/<meta property="og:description" content="[^"]*Thạch Kim/);
      expect(html).toContain('<meta name="twitter:card" content="summary">');
      expect(html).toContain(`href="/gui-thong-tin?martyr=${fx.martyrs.thanhHaTinh1948}"`);
      expect(html).toContain(`href="/liet-si/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh?print=1"`);
      expectCspClean(html);
    });

    it('shows the headstone photo, its plot in a section and the cemetery plan, with og:image absolute', async () => {
      const res = await page(`/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh`);
      expect(res.status).toBe(200);
      const html = res.text;
      // The 320 px size for a phone's first screen, the 1024 px one for wider screens.
      expect(html).toContain(`<img src="/photos/graves/${graveInSection}/${HASH}-page.jpg" srcset="/photos/graves/${graveInSection}/${HASH}-thumb.jpg 320w, /photos/graves/${graveInSection}/${HASH}-page.jpg 1024w" sizes="(max-width: 40rem) 36vw, 20rem" alt="Ảnh bia mộ liệt sĩ Nguyễn Văn Thành"`);
      expect(html).toMatch(new RegExp(`<meta property="og:image" content="http://[^"]+/photos/graves/${graveInSection}/${HASH}-page.jpg">`));
      expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
      expect(html).toContain('<dt>Khu</dt><dd>A</dd>');
      expect(html).toMatch(/<svg [^>]*class="map-svg map-plan"/);
      expect(html).toMatch(/<text class="map-section-label"[^>]*>A<\/text>/);
      expect(html).not.toContain('-original.jpg');
    });

    it('says when the grave is not known, and asks for information', async () => {
      const res = await page(`/liet-si/${fx.martyrs.noGrave}-do-xuan-hoa`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Chưa có thông tin về phần mộ');
      expect(res.text).not.toContain('GCN-SECRET-123');
      expectCspClean(res.text);
    });

    it('redirects a wrong or missing slug to the canonical URL with 301, keeping the query', async () => {
      const id = fx.martyrs.thanhHaTinh1948;
      for (const url of [`/liet-si/${id}`, `/liet-si/${id}-nguyen-van-thanh-cu`, `/liet-si/${id}-tran-van-a`, `/liet-si/${id}-nguyen-van-thanh/`]) {
        const res = await page(url);
        expect(res.status, url).toBe(301);
        expect(res.headers.location).toBe(`/liet-si/${id}-nguyen-van-thanh`);
      }
      const withQuery = await page(`/liet-si/${id}?lang=en&print=1`);
      expect(withQuery.headers.location).toBe(`/liet-si/${id}-nguyen-van-thanh?lang=en&print=1`);
    });

    it('answers an unknown, malformed or confidential id with the 404 page', async () => {
      for (const url of ['/liet-si/99999999-nguyen-van-a', '/liet-si/abc', `/liet-si/${fx.martyrs.confidential}-nguyen-van-bao-mat`, `/liet-si/${fx.martyrs.confidential}`, '/mo/99999999', '/mo/x', '/nghia-trang/99999999-x', '/tinh/atlantis']) {
        const res = await page(url);
        expect(res.status, url).toBe(404);
        expect(res.type).toBe('text/html');
        expect(res.text).toContain('Không tìm thấy trang');
        expect(res.text).not.toContain(CONFIDENTIAL_NAME);
      }
    });

    it('is in English with ?lang=en, dates still written the Vietnamese way', async () => {
      const res = await page(`/liet-si/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh?lang=en`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<html lang="en">');
      expect(res.text).toContain('<dt>Born</dt><dd>05/1948</dd>');
      expect(res.text).toContain('Send information about this martyr');
      expect(res.text).toContain('<link rel="canonical" href="http://');
      expect(res.text).not.toMatch(/rel="canonical" href="[^"]*lang=en/);
    });

    it('prints on one A4 sheet: name, dates, hometown, plot, maps, QR code and address', async () => {
      const res = await page(`/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh?print=1`);
      expect(res.status).toBe(200);
      const html = res.text;
      expect(html).toContain('<body class="print-view">');
      expect(html).toContain('<article class="sheet">');
      expect(html).toContain('<h1 lang="vi">Nguyễn Văn Thành</h1>');
      expect(html).toContain('xã Đông Hưng, huyện Đông Hưng, tỉnh Thái Bình');
      expect(html).toContain('<dt>Khu</dt><dd>A</dd>');
      expect(html).toMatch(/<dt>Mộ số<\/dt><dd>1<\/dd>/);
      expect(html).toMatch(/<svg class="qr"/);
      expect(html).toMatch(/class="map-svg map-plan"/);
      expect(html).toContain(`/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh</p>`);
      expect(html).toMatch(/<link rel="stylesheet" href="\/static\/build\/print\.[0-9a-f]{12}\.css" media="print">/);
      expectCspClean(html);
    });

    it('uses the configured public base URL in canonical links, Open Graph and the QR code', async () => {
      const configured = await testApp(t.db, { config: testConfig({ PUBLIC_BASE_URL: 'https://liet-si.example.vn/' }) });
      const res = await request(configured).get(`/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh`);
      expect(res.text).toContain(`<link rel="canonical" href="https://liet-si.example.vn/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh">`);
      expect(res.text).toContain(`<meta property="og:url" content="https://liet-si.example.vn/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh">`);
    });
  });

  describe('a grave', () => {
    it('with partial information shows what is known and calls for information', async () => {
      const res = await page(`/mo/${fx.graves.partial}`);
      expect(res.status).toBe(200);
      const html = res.text;
      expect(html).toContain('Mộ liệt sĩ chưa xác định danh tính: Liệt sĩ Hùng');
      expect(html).toContain('Trung đoàn 209, Sư đoàn 312');
      expect(html).toContain('<dt>Ngày hy sinh</dt><dd>1972</dd>');
      expect(html).toContain('Mặt trận Quảng Trị');
      expect(html).toContain('Xin thông tin về phần mộ này');
      expect(html).toContain(`href="/gui-thong-tin?grave=${fx.graves.partial}"`);
      expect(html).toContain('<blockquote class="inscription" lang="vi">LIỆT SĨ\nHÙNG\nE209 F312\n1972</blockquote>');
      expect(html).toContain(`<link rel="canonical" href="http://${HOST}/mo/${fx.graves.partial}">`);
      expect(html).toMatch(/href="geo:16\.\d+,106\.\d+/);
      expect(html).toMatch(/<svg class="qr"/);
      expect(html).toContain('<meta property="og:title"');
      expectCspClean(html);
    });

    it('with nothing known says so and still asks', async () => {
      const res = await page(`/mo/${fx.graves.unknown}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Mộ liệt sĩ chưa biết tên');
      expect(res.text).toContain('Chưa có thông tin nào về người yên nghỉ');
      expect(res.text).toContain(`href="/gui-thong-tin?grave=${fx.graves.unknown}"`);
    });

    it('of a named martyr links to the martyr', async () => {
      const res = await page(`/mo/${fx.graves.ofThanh}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`href="/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh"`);
      expect(res.text).toContain('Mộ liệt sĩ Nguyễn Văn Thành');
    });

    it('of a confidential martyr shows only its place', async () => {
      const { grave_id: graveId } = await t.db('martyrs').where({ id: fx.martyrs.confidential }).first('grave_id');
      await t.db('graves').where({ id: graveId }).update({ inscription: `LIỆT SĨ\n${CONFIDENTIAL_NAME.toUpperCase()}` });
      const res = await page(`/mo/${graveId}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(CONFIDENTIAL_NAME);
      expect(res.text).not.toContain(CONFIDENTIAL_NAME.toUpperCase());
      expect(res.text).not.toContain(CONFIDENTIAL_NOTE);
      expect(res.text).toContain('chưa được công bố');
    });

    it('redirects /mo/<id>-anything to /mo/<id>, and prints', async () => {
      const res = await page(`/mo/${fx.graves.partial}-x`);
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe(`/mo/${fx.graves.partial}`);
      const print = await page(`/mo/${fx.graves.partial}?print=1`);
      expect(print.status).toBe(200);
      expect(print.text).toContain('<article class="sheet">');
      expect(print.text).toMatch(/<svg class="qr"/);
    });
  });

  describe('a cemetery', () => {
    const url = () => `/nghia-trang/${fx.cemeteries.truongSon}-nghia-trang-liet-si-quoc-gia-truong-son`;

    it('says what and where it is, counts its graves by state, and draws its plan with sections and graves', async () => {
      const res = await page(url());
      expect(res.status).toBe(200);
      const html = res.text;
      expect(html).toContain('<h1 lang="vi">Nghĩa trang liệt sĩ Quốc gia Trường Sơn</h1>');
      expect(html).toContain('Nghĩa trang liệt sĩ · Cấp quốc gia');
      expect(html).toContain('href="/tinh/quang-tri"');
      expect(html).toMatch(/<dt>Tổng số<\/dt><dd>\d+<\/dd>/);
      expect(html).toMatch(/<span class="swatch swatch-partial" aria-hidden="true"><\/span>Có một phần thông tin<\/dt><dd>1<\/dd>/);
      expect(html).toMatch(/class="map-svg map-plan"/);
      expect(html).toMatch(/class="map-graves map-graves-unknown"/);
      expect(html).toMatch(/href="geo:16\.95/);
      expect(html).toContain(`<link rel="canonical" href="http://${HOST}${url()}">`);
      expectCspClean(html);
    });

    it('lists its graves 25 to a page (a phone can take that), in plot order, with links to each martyr and grave', async () => {
      const first = await page(url());
      const rows = first.text.match(/<tr>\s*<td[^>]*><a href="\/mo\/\d+">/g) ?? [];
      expect(rows).toHaveLength(25);
      expect(first.text).toContain(`href="/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh"`);
      expect(first.text).toContain(`href="${url()}?page=2" rel="next"`);
      expect(first.text).toContain('Trang 1 / 3');
      const second = await page(`${url()}?page=2`);
      expect(second.status).toBe(200);
      expect(second.text).toContain('Trang 2 / 3');
      expect(second.text).toContain(`<link rel="canonical" href="http://${HOST}${url()}?page=2">`);
      expect((await page(`${url()}?page=3`)).text).toContain('Hàng 9, mộ số 60');
    });

    it('finds graves by name without diacritics, and by plot', async () => {
      const byName = await page(`${url()}?q=${encodeURIComponent('nguyen van thanh')}`);
      expect(byName.text).toContain(`href="/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh"`);
      expect(byName.text).not.toContain('Hàng 9, mộ số');
      const byPlot = await page(`${url()}?q=${encodeURIComponent('hàng 9 mộ số 12')}`);
      expect(byPlot.text).toContain('Hàng 9, mộ số 12');
      expect(byPlot.text).toContain('Phần mộ 1–1 trong số 1.');
      const compact = await page(`${url()}?q=9-13`);
      expect(compact.text).toContain('Hàng 9, mộ số 13');
      const partialName = await page(`${url()}?q=hung`);
      expect(partialName.text).toContain('Liệt sĩ Hùng');
      expect((await page(`${url()}?q=zzzz`)).text).toContain('Không có phần mộ nào khớp');
    });

    it('never shows or finds a confidential martyr in its list', async () => {
      const haTinh = `/nghia-trang/${fx.cemeteries.haTinh}-nghia-trang-liet-si-tinh-ha-tinh`;
      const res = await page(haTinh);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(CONFIDENTIAL_NAME);
      expect(res.text).not.toContain(CONFIDENTIAL_NOTE);
      const searched = await page(`${haTinh}?q=${encodeURIComponent('bao mat')}`);
      expect(searched.text).toContain('Không có phần mộ nào khớp');
    });

    it('refuses a page number that is not one', async () => {
      expect((await page(`${url()}?page=0`)).status).toBe(400);
      expect((await page(`${url()}?page=abc`)).status).toBe(400);
    });
  });

  describe('provinces', () => {
    it('lists the 34 current provinces', async () => {
      const res = await page('/tinh');
      expect(res.status).toBe(200);
      expect(res.text.match(/<td[^>]*><a href="\/tinh\/[a-z-]+">/g)).toHaveLength(34);
      expect(res.text).toContain('<a href="/tinh/quang-tri">Tỉnh Quảng Trị</a>');
      expect(res.text).toContain('<link rel="canonical"');
      expectCspClean(res.text);
    });

    it("shows a province's cemeteries, the provinces it was formed from and its historical names", async () => {
      const res = await page('/tinh/quang-tri');
      expect(res.status).toBe(200);
      const html = res.text;
      expect(html).toContain('<h1>Tỉnh Quảng Trị</h1>');
      expect(html).toContain(`href="/nghia-trang/${fx.cemeteries.truongSon}-nghia-trang-liet-si-quoc-gia-truong-son"`);
      expect(html).toContain('Tỉnh Quảng Bình');
      expect(html).toContain('Bình Trị Thiên');
      expect(html).toMatch(/class="map-svg map-locator"/);
      expect(html).toContain(`<link rel="canonical" href="http://${HOST}/tinh/quang-tri">`);
      expectCspClean(html);
    });

    it('redirects a pre-2025 province, a historical name and a code to the province it is part of now', async () => {
      for (const [from, to] of [['/tinh/quang-binh', '/tinh/quang-tri'], ['/tinh/ha-tay', '/tinh/ha-noi'], ['/tinh/44', '/tinh/quang-tri'], ['/tinh/thai-binh', '/tinh/hung-yen']]) {
        const res = await page(from!);
        expect(res.status, from).toBe(301);
        expect(res.headers.location).toBe(to);
      }
    });

    it('points a historical name now split between provinces to each of them', async () => {
      const res = await page('/tinh/binh-tri-thien');
      expect(res.status).toBe(200);
      expect(res.text).toContain('href="/tinh/quang-tri"');
      expect(res.text).toContain('href="/tinh/hue"');
    });
  });

  describe('photos', () => {
    it('serves the public sizes for good, with nosniff, and never the original', async () => {
      const base = `/photos/graves/${graveInSection}/${HASH}`;
      for (const size of ['page', 'thumb', 'full']) {
        const res = await request(app).get(`${base}-${size}.jpg`);
        expect(res.status, size).toBe(200);
        expect(res.headers['cache-control']).toMatch(/max-age=31536000.*immutable/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-type']).toBe('image/jpeg');
      }
      expect((await request(app).get(`${base}-original.jpg`)).status).toBe(404);
      expect((await request(app).get('/photos/graves/../../etc/passwd')).status).toBe(404);
      expect((await request(app).get(`/photos/graves/${graveInSection}/%2e%2e-page.jpg`)).status).toBe(404);
    });
  });

  describe('sitemap', () => {
    it('lists public martyrs, unnamed graves, cemeteries and provinces, and no confidential record', async () => {
      const res = await request(app).get('/sitemap.xml');
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/xml');
      const xml = res.text;
      expect(xml).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
      expect(xml).toMatch(new RegExp(`<loc>http://[^<]+/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh</loc><lastmod>\\d{4}-\\d{2}-\\d{2}</lastmod>`));
      expect(xml).toContain(`/mo/${fx.graves.partial}</loc>`);
      expect(xml).toContain(`/nghia-trang/${fx.cemeteries.truongSon}-nghia-trang-liet-si-quoc-gia-truong-son</loc>`);
      expect(xml).toContain('/tinh/quang-tri</loc>');
      expect(xml).not.toContain(`/liet-si/${fx.martyrs.confidential}-`);
      expect(xml).not.toContain('bao-mat');
      expect(xml.match(/<url>/g)!.length).toBeGreaterThan(300);
    });

    it('is pointed to by robots.txt', async () => {
      const res = await request(app).get('/robots.txt');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^Sitemap: http:\/\/[^\n]+\/sitemap\.xml$/m);
    });

    it('becomes an index of files of at most 50,000 URLs once the ids pass 50,000', async () => {
      await t.db('martyrs').insert({ id: 60_123, full_name: 'Lê Văn Xa', gender: 'male', death_year: 1972 });
      const index = await request(app).get('/sitemap.xml');
      expect(index.text).toContain('<sitemapindex');
      expect(index.text).toMatch(/<loc>http:\/\/[^<]+\/sitemaps\/martyrs-2\.xml<\/loc>/);
      expect(index.text).toMatch(/\/sitemaps\/pages\.xml<\/loc>/);
      const second = await request(app).get('/sitemaps/martyrs-2.xml');
      expect(second.status).toBe(200);
      expect(second.text).toContain('/liet-si/60123-le-van-xa</loc>');
      expect(second.text.match(/<url>/g)).toHaveLength(1);
      const first = await request(app).get('/sitemaps/martyrs-1.xml');
      expect(first.text).toContain(`/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh</loc>`);
      expect(first.text).not.toContain(`/liet-si/${fx.martyrs.confidential}-`);
      expect((await request(app).get('/sitemaps/pages.xml')).text).toContain('/tinh/ha-noi</loc>');
      expect((await request(app).get('/sitemaps/martyrs-3.xml')).status).toBe(404);
      expect((await request(app).get('/sitemaps/secrets.xml')).status).toBe(404);
    });
  });
});

describe('reading a cemetery search box', () => {
  const cases: Array<[string, ReturnType<typeof parseGraveQuery>]> = [
    ['12', { number: '12' }],
    ['A-3-12', { section: 'a', row: '3', number: '12' }],
    ['3/12', { row: '3', number: '12' }],
    ['khu A hàng 3 mộ số 12', { section: 'a', row: '3', number: '12' }],
    ['Hàng 3', { row: '3' }],
    ['mộ 7', { number: '7' }],
    ['Nguyễn Văn Thành', { name: 'nguyen van thanh' }],
    ['hàng 3 nguyễn', { row: '3', name: 'nguyen' }],
    ['Đặng', { name: 'dang' }],
    ['   ', {}],
  ];
  for (const [text, expected] of cases) {
    it(`reads "${text}"`, () => {
      expect(parseGraveQuery(text)).toEqual(expected);
    });
  }
});
