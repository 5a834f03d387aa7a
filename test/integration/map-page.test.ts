/**
 * The map page's shell, its style and the list of results that works without JavaScript, against
 * real PostgreSQL and Meilisearch with the search fixture.
 */
import request from 'supertest';
import type { Express } from 'express';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { allowOrigin } from '../../server/map/csp.js';
import { jsonBlock } from '../../server/map/json-block.js';
import { mapStyle } from '../../server/map/map-style.js';
import { mapRoutes } from '../../server/map/map.routes.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import type { SearchFixture } from '../support/search-fixtures.js';
import { useSearchSetup } from '../support/search-setup.js';
import { silentLogger, testMeili, type TestDatabase } from '../support/services.js';

const HOST = 'mo.test';

/** Handlebars writes "=" in attribute values as &#x3D; (valid HTML); tests read the decoded text. */
const decoded = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

describe('the map page and the list of results', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let indexUid: string;

  useSearchSetup('mappage', (setup) => ({ t, fx, app, indexUid } = setup));

  const get = async (url: string) => {
    const res = await request(app).get(url).set('Accept', 'text/html').set('Host', HOST);
    return Object.assign(res, { html: decoded(res.text) });
  };

  describe('/ban-do', () => {
    it('renders the shell with its strings as a JSON block and no inline script', async () => {
      const res = await get('/ban-do');
      expect(res.status).toBe(200);
      expect(res.html).toContain('<html lang="vi">');
      const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const [, attributes, body] of scripts) {
        // Either a file (script-src 'self') or data the browser never runs.
        if (/\bsrc=/.test(attributes!)) expect(body!.trim()).toBe('');
        else expect(attributes).toMatch(/type="application\/json"/);
      }
      expect(res.text).not.toMatch(/\sstyle=/);
      expect(res.text).not.toMatch(/\son[a-z]+=/);
      const block = res.text.match(/<script type="application\/json" id="messages">([\s\S]*?)<\/script>/)![1]!;
      const messages = JSON.parse(block) as Record<string, string>;
      expect(messages['map.title']).toBe('Bản đồ phần mộ liệt sĩ');
      expect(messages['search.submit']).toBe('Tìm');
      expect(Object.keys(messages).every((k) => k.startsWith('map.') || k.startsWith('search.'))).toBe(true);
      const config = JSON.parse(res.text.match(/<script type="application\/json" id="map-config">([\s\S]*?)<\/script>/)![1]!) as { styleUrl: string; provinces: unknown[] };
      expect(config.styleUrl).toBe('/ban-do/style.json');
      expect(config.provinces).toHaveLength(34);
      expect(res.html).toMatch(/<script type="module" src="\/static\/build\/map(\.[0-9a-f]{12})?\.js(\?v=\w+)?"><\/script>/);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    });

    it('is a search form for /tim-kiem without JavaScript, filled in from the URL, with a link to the list', async () => {
      const res = await get('/ban-do?q=dang+van+duc&province=40');
      expect(res.html).toMatch(/<form class="map-search" id="map-search" action="\/tim-kiem" method="get" role="search">/);
      expect(res.html).toMatch(/<input id="map-q" name="q" type="search" value="dang van duc"/);
      expect(res.html).toMatch(/<option value="40" selected>Nghệ An<\/option>/);
      expect(res.html).toMatch(/<details class="search-filters" id="filters" open>/);
      expect(res.html).toContain('<a href="/tim-kiem">');
      expect(res.html).toMatch(/<label for="map-q">/);
    });

    it('speaks English with ?lang=en, strings and all', async () => {
      const res = await get('/ban-do?lang=en');
      expect(res.html).toContain('<html lang="en">');
      const messages = JSON.parse(res.text.match(/id="messages">([\s\S]*?)<\/script>/)![1]!) as Record<string, string>;
      expect(messages['map.searchArea']).toBe('Search this area');
    });
  });

  describe('/ban-do/style.json', () => {
    it('is a valid MapLibre style whose tile sources have absolute URLs on the request origin', async () => {
      const res = await request(app).get('/ban-do/style.json').set('Host', HOST);
      expect(res.status).toBe(200);
      const style = res.body as { sources: Record<string, { type: string; url?: string }>; layers: { id: string; type: string; layout?: Record<string, unknown> }[] };
      expect(style.sources.basemap!.url).toBe(`http://${HOST}/tiles/basemap.json`);
      expect(style.sources.cemeteries!.url).toBe(`http://${HOST}/tiles/cemeteries.json`);
      expect(style.sources.graves!.url).toBe(`http://${HOST}/tiles/graves.json`);
      expect(validateStyleMin(res.body)).toEqual([]);
      // No glyph server: nothing may ask for text to be drawn by the map.
      expect(style.layers.filter((l) => l.type === 'symbol')).toEqual([]);
      expect(res.text).not.toContain('glyphs');
      // And what the style points at is there.
      const tilejson = await request(app).get('/tiles/graves.json').set('Host', HOST);
      expect(tilejson.status).toBe(200);
    });

    it('uses the public base URL when one is configured', () => {
      const style = mapStyle('https://mo.example.vn');
      expect(style.sources.basemap!.url).toBe('https://mo.example.vn/tiles/basemap.json');
    });

    it('has no online basemap unless one is configured; with one, it lies over the land and its origin is allowed by the CSP', async () => {
      expect(Object.keys(mapStyle('http://x').sources)).not.toContain('online-basemap');
      const style = mapStyle('http://x', 'https://tiles.example.org/{z}/{x}/{y}.png');
      const ids = style.layers.map((l) => l.id);
      expect(ids.indexOf('online-basemap')).toBe(ids.indexOf('land') + 1);
      expect(validateStyleMin(style as never)).toEqual([]);
      expect(allowOrigin("default-src 'self';img-src 'self' data:;connect-src 'self'", 'https://tiles.example.org', ['img-src', 'connect-src'])).toBe(
        "default-src 'self';img-src 'self' data: https://tiles.example.org;connect-src 'self' https://tiles.example.org",
      );

      const express = (await import('express')).default;
      const withBasemap = express();
      withBasemap.use((_req, res, next) => {
        res.setHeader('Content-Security-Policy', "default-src 'self';img-src 'self';connect-src 'self'");
        next();
      });
      withBasemap.use(
        mapRoutes({
          search: { db: t.db, meili: testMeili(), indexUid, provinces: await loadProvinceCatalogue(t.db), logger: silentLogger },
          mapOnlineBasemapUrl: 'https://tiles.example.org/{z}/{x}/{y}.png',
        }),
      );
      const res = await request(withBasemap).get('/ban-do');
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toContain("img-src 'self' https://tiles.example.org");
    });
  });

  describe('/tim-kiem', () => {
    it('lists Đặng Văn Đức for "dang van duc", with a link to his page and to the map', async () => {
      const res = await get('/tim-kiem?q=dang+van+duc');
      expect(res.status).toBe(200);
      expect(res.html).toMatch(new RegExp(`<a href="/liet-si/${fx.martyrs.duc}-dang-van-duc">(<mark>)?Đặng(</mark>)? (<mark>)?Văn(</mark>)? (<mark>)?Đức(</mark>)?</a>`));
      expect(res.html).toMatch(/<p class="result-status" role="status">\d+ kết quả cho “dang van duc”<\/p>/);
      expect(res.html).toMatch(/href="\/ban-do\?q=dang\+van\+duc&grave=\d+&map=17\/16\.\d+\/106\.\d+"/);
      expect(res.html).toContain('Hưng Đạo, Hưng Nguyên, Nghệ An');
      // The filters say how many results each choice gives.
      expect(res.html).toMatch(/<option value="44">Quảng Trị \(\d+\)<\/option>/);
      expect(res.headers['x-robots-tag']).toBe('noindex');
    });

    it('is in English with lang=en', async () => {
      const res = await get('/tim-kiem?q=dang+van+duc&lang=en');
      expect(res.status).toBe(200);
      expect(res.html).toContain('<html lang="en">');
      expect(res.html).toMatch(new RegExp(`<a href="/liet-si/${fx.martyrs.duc}-dang-van-duc">`));
      expect(res.html).toMatch(/results? for “dang van duc”/);
      expect(res.html).toContain('Show on the map');
    });

    it('narrows with the form\'s filters, empty fields meaning none, and pages through results', async () => {
      const filtered = await get('/tim-kiem?q=nguyen+van+thanh&province=&birthYear=1948&deathYear=1968&unit=&hasPhoto=');
      expect(filtered.status).toBe(200);
      expect(filtered.html).toMatch(/<p class="result-status" role="status">1 kết quả cho “nguyen van thanh”<\/p>/);
      expect(filtered.html).toContain(`/liet-si/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh`);
      expect(filtered.html).toMatch(/<input id="sf-birthYear" name="birthYear"[^>]*value="1948"/);

      const many = await get('/tim-kiem?q=nguyen+van+thanh');
      expect(many.html).toMatch(/<nav class="pages" aria-label="Các trang kết quả">/);
      expect(many.html).toMatch(/href="\/tim-kiem\?q=nguyen\+van\+thanh&page=2" rel="next"/);
      const second = await get('/tim-kiem?q=nguyen+van+thanh&page=2');
      expect(second.status).toBe(200);
      expect(second.html).toContain('aria-current="page">2</a>');
    });

    it('shows only the form when nothing is asked', async () => {
      const res = await get('/tim-kiem');
      expect(res.status).toBe(200);
      expect(res.html).toContain('Nhập họ tên liệt sĩ');
      expect(res.html).not.toContain('class="hit-list"');
    });

    it('answers bad parameters with a 400 page that keeps the form, never a 500', async () => {
      for (const query of ['birthYear=19x8', 'page=0', 'province=atlantis', 'unknown=1', 'cemetery=abc', 'q=' + 'x'.repeat(300), 'q=a&q=b']) {
        const res = await get(`/tim-kiem?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.type).toBe('text/html');
        expect(res.html).toContain('role="alert"');
        expect(res.html).toContain('<form class="search-page-form"');
      }
    });
  });

  it('puts a search form and a link to the map on the home page', async () => {
    const res = await get('/');
    expect(res.html).toMatch(/<form class="search-box" action="\/tim-kiem" method="get" role="search">/);
    expect(res.html).toContain('<a href="/ban-do">');
  });

  it('writes JSON blocks that cannot close their script element', () => {
    expect(jsonBlock({ a: '</script><script>alert(1)</script>', b: '<!--' })).not.toMatch(/[<>]/);
    expect(JSON.parse(jsonBlock({ a: '</script>&' }))).toEqual({ a: '</script>&' });
  });
});
