/**
 * The public journey on the server side: static files cached for good under content-hashed
 * names (MapLibre's in brotli), every page reaching the map, tracking and the send-information
 * form, a mistyped tracking code answered with its own message, times on Vietnam's clock, and the
 * footer naming who runs the portal.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { listen } from '../support/browser.js';
import { createStaff, signIn } from '../support/staff.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, testConfig, type TestDatabase } from '../support/services.js';

const manifest = async () => JSON.parse(await readFile(path.join(ROOT_DIR, 'web', 'static', 'build', 'assets.json'), 'utf8')) as Record<string, string>;
const mapManifest = async () => JSON.parse(await readFile(path.join(ROOT_DIR, 'web', 'static', 'build', 'manifest.json'), 'utf8')) as Record<string, string>;
/** The bytes as sent, not decompressed (supertest and fetch both undo brotli and gzip). */
async function rawGet(app: Express, url: string, acceptEncoding: string): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer; status: number }> {
  const site = await listen(app);
  try {
    return await new Promise((resolve, reject) => {
      http.get(`${site.base}${url}`, { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks), status: res.statusCode ?? 0 }));
      }).on('error', reject);
    });
  } finally {
    await site.close();
  }
}

describe('the public journey, server side', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;

  beforeAll(async () => {
    t = await createTestDatabase('journey');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db, { config: testConfig({ PORTAL_OPERATOR: 'Cục Người có công', PORTAL_CONTACT_EMAIL: 'lienhe@example.vn', PORTAL_CONTACT_PHONE: '024 3825 0000' }) });
  });
  afterAll(async () => {
    await t?.drop();
  });

  describe('static files', () => {
    it('gives pages content-hashed URLs that browsers keep for a year without asking again', async () => {
      const home = await request(app).get('/');
      const css = (await manifest())['/static/styles.css']!;
      expect(css).toMatch(/^\/static\/build\/styles\.[0-9a-f]{12}\.css$/);
      expect(home.text).toContain(`href="${css}"`);
      expect(home.text).not.toContain('href="/static/styles.css"');
      const res = await request(app).get(css);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.text).toBe(await readFile(path.join(ROOT_DIR, 'web', 'static', 'styles.css'), 'utf8'));
    });

    it('has a file under its plain name revalidated on every use', async () => {
      const res = await request(app).get('/static/styles.css');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers.etag).toBeTruthy();
    });

    it("sends MapLibre's files precompressed with brotli to a browser that takes it, and immutable", async () => {
      const { maplibre } = await mapManifest();
      expect(maplibre).toMatch(/^\/static\/build\/maplibre-[0-9a-f]{12}\/maplibre-gl\.mjs$/);
      const original = await readFile(path.join(ROOT_DIR, 'node_modules', 'maplibre-gl', 'dist', 'maplibre-gl.mjs'));
      const br = await rawGet(app, maplibre!, 'gzip, deflate, br');
      expect(br.status).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(br.headers.vary).toMatch(/Accept-Encoding/i);
      expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
      expect((br.body).length).toBeLessThan(original.length / 3);
      const worker = await rawGet(app, maplibre!.replace('maplibre-gl.mjs', 'maplibre-gl-worker.mjs'), 'br');
      expect(worker.headers['content-encoding']).toBe('br');
      // A client without brotli gets gzip made on the fly, as before.
      const gzip = await rawGet(app, maplibre!, 'gzip');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });

    it('writes the map page with the hashed bundle and MapLibre URLs', async () => {
      const res = await request(app).get('/ban-do');
      const { script, maplibreCss } = await mapManifest();
      expect(script).toMatch(/^\/static\/build\/map\.[0-9a-f]{12}\.js$/);
      expect(res.text).toContain(`src="${script}"`);
      expect(res.text).toContain(`href="${maplibreCss}"`);
      expect((await request(app).get(script!)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });
  });

  describe('no dead ends', () => {
    it('links every page to the map, the provinces, sending information and following a submission', async () => {
      for (const url of ['/', '/tinh', `/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh`, '/theo-doi']) {
        const res = await request(app).get(url);
        const nav = res.text.match(/<nav aria-label="Điều hướng chính"[\s\S]*?<\/nav>/)![0];
        for (const href of ['/ban-do', '/tinh', '/gui-thong-tin', '/theo-doi']) expect(nav, `${url} → ${href}`).toContain(`href="${href}"`);
      }
    });

    it('puts the search box before any statistics on the home page, with a quiet dedication and the way to tell us', async () => {
      const html = (await request(app).get('/')).text;
      expect(html.indexOf('name="q"')).toBeGreaterThan(0);
      expect(html.indexOf('name="q"')).toBeLessThan(html.indexOf('data-count="martyrs"'));
      expect(html).toContain('class="dedication"');
      expect(html).toMatch(/<a href="\/gui-thong-tin">Không tìm thấy\? Hãy cho chúng tôi biết/);
    });

    it('names who runs the portal and how to reach them in the footer, from the configuration', async () => {
      const footer = (await request(app).get('/tinh?lang=en')).text.match(/<footer class="site-footer">[\s\S]*?<\/footer>/)![0];
      expect(footer).toContain('This portal is run by Cục Người có công.');
      expect(footer).toContain('href="mailto:lienhe@example.vn"');
      expect(footer).toContain('href="tel:024 3825 0000"');
    });

    it('leaves the operator out of the footer when it is not configured', async () => {
      const plain = await testApp(t.db);
      const footer = (await request(plain).get('/')).text.match(/<footer class="site-footer">[\s\S]*?<\/footer>/)![0];
      expect(footer).not.toContain('vận hành');
      expect(footer).not.toContain('mailto:');
    });

    it('shows a tracking page with a code box, and answers an unknown code with its own message and the box filled in to retype', async () => {
      const lookup = await request(app).get('/theo-doi');
      expect(lookup.status).toBe(200);
      expect(lookup.text).toMatch(/<input id="ma" name="ma"/);
      const unknown = await request(app).get('/theo-doi/ZZZZ-ZZZZ-ZZ');
      expect(unknown.status).toBe(404);
      expect(unknown.text).toContain('Không tìm thấy mã theo dõi này.');
      expect(unknown.text).toMatch(/<input id="ma" name="ma"[^>]*value="ZZZZ-ZZZZ-ZZ" aria-invalid="true" aria-describedby="ma-error" autofocus>/);
      const english = await request(app).get('/theo-doi/ZZZZ-ZZZZ-ZZ?lang=en');
      expect(english.status).toBe(404);
      expect(english.text).not.toContain('Không tìm thấy mã');
    });

    it("links a martyr's page to the grave's place on the interactive map", async () => {
      const html = (await request(app).get(`/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh`)).text;
      // Handlebars writes "=" as &#x3D; in attributes; a browser reads both alike.
      expect(html.replaceAll('&#x3D;', '=')).toMatch(new RegExp(`href="/ban-do\\?grave=${fx.graves.ofThanh}&amp;map=17/16\\.\\d{6}/106\\.\\d{6}"`));
    });
  });

  describe("forms in the page's language", () => {
    const post = (fields: Record<string, string>, lang = '') =>
      request(app)
        .post(`/gui-thong-tin${lang}`)
        .set('X-Forwarded-For', `10.78.0.${Math.floor(Math.random() * 250)}`)
        .set('Cookie', lang ? 'lang=en' : '')
        .type('form')
        .send({ martyr: String(fx.martyrs.thanh), kind: 'martyr_correction', website: '', senderName: 'Nguyễn Thị Hoa', senderContact: '0912 345 678', message: 'Ngày sinh đúng là khác.', ...fields });

    it('says what is wrong with a date in Vietnamese, marks that field and focuses it', async () => {
      const res = await post({ birthDate: 'mùa xuân' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Năm sinh / ngày sinh: chưa đúng. Ghi năm (1948)');
      expect(res.text).not.toMatch(/not a date|birthDate:/);
      expect(res.text).toMatch(/<input id="f-birthDate" name="birthDate" value="mùa xuân" maxlength="\d+" aria-invalid="true" aria-describedby="form-error" autofocus>/);
      expect(res.text).toContain('id="form-error"');
    });

    it('says it in English on an English page', async () => {
      const res = await post({ birthDate: 'spring' }, '?lang=en');
      expect(res.status).toBe(400);
      expect(res.text).toContain('not a date. Write a year (1948)');
      expect(res.text).not.toContain('chưa đúng');
    });

    it('marks the first missing required field, and every required field in the form', async () => {
      const res = await post({ senderContact: '' });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/<input id="senderContact"[^>]*required[^>]*aria-invalid="true" aria-describedby="form-error" autofocus>/);
      expect(res.text.match(/<span class="required-mark" aria-hidden="true"> \*<\/span>/g)).toHaveLength(3);
    });

    it('refuses a file that is not a photo or PDF in the page\'s language, without the detected type', async () => {
      const res = await request(app)
        .post('/gui-thong-tin')
        .set('X-Forwarded-For', '10.79.0.1')
        .field('martyr', String(fx.martyrs.thanh)).field('kind', 'martyr_correction').field('website', '')
        .field('senderName', 'Nguyễn Thị Hoa').field('senderContact', '0912 345 678').field('message', 'Giấy tờ.')
        .attach('files', Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff'), 'giay-to.exe');
      expect(res.status).toBe(400);
      expect(res.text).toContain('Chỉ nhận ảnh (JPEG, PNG, WebP, HEIC) và tệp PDF.');
      expect(res.text).not.toMatch(/application\/x-|not an accepted/);
      expect(res.text).toMatch(/<input id="files"[^>]*aria-invalid="true"/);
    });
  });

  describe('visiting a cemetery', () => {
    it("shows what a visit needs once staff have written it on the edit page: the board's phone, opening hours, directions to the gate", async () => {
      const id = fx.cemeteries.truongSon;
      const page = `/nghia-trang/${id}-nghia-trang-liet-si-quoc-gia-truong-son`;
      const before = (await request(app).get(page)).text;
      expect(before).toContain('Chưa có thông tin');
      expect(before).toContain('Chỉ đường đến nghĩa trang');
      const account = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: id }], 'Ban quản lý Trường Sơn');
      const staff = await signIn(app, account.email);
      const form = await staff.agent.get(`/quan-ly/nghia-trang/${id}/sua`);
      expect(form.text).toContain('name="boardPhone"');
      const save = (fields: Record<string, string>) =>
        staff.agent.post(`/quan-ly/nghia-trang/${id}/sua`).type('form').send({ _csrf: staff.csrf, name: 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn', level: 'national', address: 'Xã Vĩnh Trường, huyện Gio Linh, Quảng Trị', description: '', boundary: '', reason: 'Ban quản lý cung cấp', ...fields });
      expect((await save({ boardPhone: '0233 382 5555', openingHours: '7:00–17:00 hằng ngày', gateLat: '16.9512', gateLng: '' })).status).toBe(400);
      expect((await save({ boardPhone: 'gọi ông Ba', openingHours: '', gateLat: '', gateLng: '' })).status).toBe(400);
      expect((await save({ boardPhone: '0233 382 5555', openingHours: '7:00–17:00 hằng ngày', gateLat: '16.9512', gateLng: '106.9504' })).status).toBe(303);
      const audit = await t.db('audit_log').where({ entity_type: 'cemetery', entity_id: id, action: 'cemetery.update' }).orderBy('id', 'desc').first();
      expect(audit.after).toMatchObject({ board_phone: '0233 382 5555', opening_hours: '7:00–17:00 hằng ngày', gate: '16.9512000, 106.9504000' });
      const after = (await request(app).get(page)).text;
      expect(after).toContain('<a href="tel:02333825555">0233 382 5555</a>');
      expect(after).toContain('7:00–17:00 hằng ngày');
      expect(after).toMatch(/<a class="button button-primary" href="https:\/\/www\.google\.com\/maps\/[^"]*16\.9512[^"]*106\.9504[^"]*" rel="noopener">Chỉ đường đến cổng<\/a>/);
      const api = await request(app).get(`/api/cemeteries/${id}`);
      expect(api.body.visit ?? api.body.data?.visit).toEqual({ boardPhone: '0233 382 5555', openingHours: '7:00–17:00 hằng ngày', gate: { lat: 16.9512, lng: 106.9504 } });
    });
  });

  describe('local time', () => {
    it("writes a tracking page's times on Vietnam's clock as dd/mm/yyyy hh:mm", async () => {
      const sent = await request(app)
        .post('/gui-thong-tin')
        .set('X-Forwarded-For', '10.77.0.1')
        .type('form')
        .send({ martyr: String(fx.martyrs.thanh), kind: 'martyr_correction', website: '', senderName: 'Nguyễn Thị Hoa', senderContact: '0912 345 678', senderRelation: 'cháu', message: 'Gia đình có giấy báo tử.' });
      expect(sent.status).toBe(303);
      const code = /\/theo-doi\/([0-9A-Z-]+)/.exec(sent.headers.location!)![1]!;
      const { created_at: createdAt } = await t.db('submissions').where({ tracking_code: code }).first('created_at');
      const vietnam = new Date(new Date(createdAt).getTime() + 7 * 3600_000);
      const two = (n: number) => String(n).padStart(2, '0');
      const expected = `${two(vietnam.getUTCDate())}/${two(vietnam.getUTCMonth() + 1)}/${vietnam.getUTCFullYear()} ${two(vietnam.getUTCHours())}:${two(vietnam.getUTCMinutes())}`;
      const html = (await request(app).get(`/theo-doi/${code}`)).text;
      expect(html).toContain(`>${expected}</time>`);
      expect(html).not.toMatch(/<time[^>]*>\d{4}-\d{2}-\d{2}/);
    });
  });
});
