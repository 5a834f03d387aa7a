/**
 * A bounded, seeded fuzz of the public surface: a few thousand requests over every public GET
 * route and the public POST forms, with NUL bytes, overlong, negative and float numbers, bad
 * percent-encodings and invalid UTF-8, huge query strings, repeated parameters and multipart
 * garbage, against the real app on real PostgreSQL and Meilisearch (and a second app whose
 * Meilisearch is down, so the PostgreSQL fallback is fuzzed too). Not one answer may be a 5xx,
 * and every request must be answered. The same seed sends the same requests every run.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import seedrandom from 'seedrandom';
import { Agent, request } from 'undici';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { searchSetup, type SearchSetup } from '../support/search-setup.js';
import { testApp, testConfig } from '../support/services.js';

const SEED = 'liet-si-fuzz-1';
const GET_REQUESTS = 2_400;
const DOWN_REQUESTS = 300;
const POST_REQUESTS = 500;
const EXTRA_REQUESTS = 400;
const CONCURRENCY = 6;

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

/** Values that have broken web apps before, already written as they travel in a URL. */
const HOSTILE = [
  '%00', 'a%00b', '%00%00%00', '%', '%%', '%2', '%G1', '%E0%A4%A', '%C3%28', '%FF', '%FE%FF', '%ED%A0%80', '%C0%AF', '%F0%9F%98%80',
  '-1', '0', '-0', '1.5', '1e3', '1e308', '-1e308', 'NaN', 'Infinity', '0x1F', '99999999999999999999', '9'.repeat(40), '1'.repeat(400),
  '%20', '+', '++', '%2B', '%0A%0D', '%09', '%27%3B%20DROP%20TABLE%20martyrs%3B--', '%5C', '%25', '_%25_', '%3Cscript%3E', '..%2F..%2Fetc%2Fpasswd',
  'nguy%E1%BB%85n', 'Nguy%E1%BB%85n%20V%C4%83n%20Th%C3%A0nh', 'thanh', 'ha%20tinh', '%D8%A7%D9%84', 'a%CC%81%CC%81%CC%81', '%EF%BB%BF', '',
  '16.9,106.9', '-91,200', '1,2,3,4', '106,16,107,17', '1940-1950', '1950-1940', '1800-3000', 'true', 'false', 'vi', 'en', 'xx',
];

const PARAMS = ['q', 'page', 'perPage', 'province', 'cemetery', 'birthYear', 'deathYear', 'unit', 'kind', 'hasPhoto', 'hasGrave', 'bbox', 'near', 'facets', 'lang', 'cursor', 'martyr', 'grave', 'ma', 'print', 'moi', 'x', 'q[]', '%00', 'constructor', '__proto__'];

function hostileValue(rng: Rng): string {
  const r = rng();
  if (r < 0.04) return 'x'.repeat(2_000 + Math.floor(rng() * 6_000));
  if (r < 0.08) return Array.from({ length: 1 + Math.floor(rng() * 5) }, () => pick(rng, HOSTILE)).join('');
  return pick(rng, HOSTILE);
}

function query(rng: Rng): string {
  const n = Math.floor(rng() * 5);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`${pick(rng, PARAMS)}=${hostileValue(rng)}`);
  if (rng() < 0.05) parts.push(...Array.from({ length: 200 }, (_, i) => `p${i}=${i}`));
  return parts.length ? `?${parts.join('&')}` : '';
}

function getPath(rng: Rng, ids: { martyr: number; grave: number; cemetery: number }): string {
  const id = () => (rng() < 0.4 ? String(pick(rng, [ids.martyr, ids.grave, ids.cemetery])) : hostileValue(rng));
  const routes = [
    () => '/',
    () => '/ban-do',
    () => '/ban-do/style.json',
    () => '/tim-kiem',
    () => `/liet-si/${id()}`,
    () => `/liet-si/${ids.martyr}-${hostileValue(rng)}`,
    () => `/mo/${id()}`,
    () => `/nghia-trang/${id()}`,
    () => `/nghia-trang/${ids.cemetery}`,
    () => '/tinh',
    () => `/tinh/${pick(rng, ['ha-tinh', 'quang-tri', hostileValue(rng)])}`,
    () => '/gui-thong-tin',
    () => '/theo-doi',
    () => `/theo-doi/${hostileValue(rng)}`,
    () => '/api/search',
    () => '/api/suggest',
    () => '/api/stats',
    () => '/api/martyrs',
    () => `/api/martyrs/${id()}`,
    () => '/api/graves',
    () => `/api/graves/${id()}`,
    () => '/api/cemeteries',
    () => `/api/cemeteries/${id()}`,
    () => `/tiles/${pick(rng, ['graves', 'cemeteries', 'basemap', hostileValue(rng)])}.json`,
    () => `/tiles/${pick(rng, ['graves', 'cemeteries', 'basemap', hostileValue(rng)])}/${pick(rng, ['14', '22', '-1', '0', hostileValue(rng)])}/${pick(rng, ['13000', '-5', '1.5', hostileValue(rng)])}/${pick(rng, ['7600', '99999999999', hostileValue(rng)])}.mvt`,
    () => '/sitemap.xml',
    () => `/sitemaps/${hostileValue(rng)}`,
    () => '/robots.txt',
    () => '/readyz',
    () => '/tim-mo',
    () => '/mo-chua-xac-dinh',
    () => '/liet-si-chua-tim-thay-mo',
    () => `/huy-theo-doi/${hostileValue(rng)}`,
    () => `/theo-doi-thu/xac-nhan/${hostileValue(rng)}`,
    () => '/du-lieu-mo',
    () => `/du-lieu-mo/${pick(rng, ['tu-dien.json', hostileValue(rng)])}`,
    () => `/du-lieu-mo/tinh/${pick(rng, ['ha-tinh', hostileValue(rng)])}/${pick(rng, ['graves.csv', 'cemeteries.geojson', hostileValue(rng)])}`,
    () => '/api/changes',
    () => '/api/openapi.json',
    () => '/ogc',
    () => `/ogc/${pick(rng, ['conformance', 'api', 'collections', hostileValue(rng)])}`,
    () => `/ogc/collections/${pick(rng, ['graves', 'cemeteries', 'provinces', 'provinces-2008-2025', hostileValue(rng)])}/items`,
    () => `/ogc/collections/${pick(rng, ['graves', 'cemeteries', hostileValue(rng)])}/items/${id()}`,
    () => `/${hostileValue(rng)}`,
  ];
  return `${pick(rng, routes)()}${query(rng)}`;
}

const FIELDS = ['website', 'senderName', 'senderContact', 'senderRelation', 'message', 'martyr', 'grave', 'cemetery', 'kind', 'province', 'fullName', 'aliases', 'birthDate', 'deathDate', 'hometown', 'unit', 'cemeteryId', 'section', 'row', 'number', 'lat', 'lng', 'answer', '_csrf', 'identifier', 'password',
  'requesterName', 'requesterPhone', 'requesterEmail', 'placeOfDeath', 'rank', 'birthYear', 'email', 'cadence', 'type', 'id'];

/** A form body: url-encoded as browsers send it, with hostile values. */
function formBody(rng: Rng, ids: { martyr: number; grave: number; cemetery: number }): string {
  const fields: string[] = ['website=', 'senderName=Nguy%E1%BB%85n%20Th%E1%BB%8B%20Hoa', 'senderContact=0912345678', 'message=Th%C3%B4ng%20tin'];
  if (rng() < 0.5) fields.push(`martyr=${pick(rng, [String(ids.martyr), hostileValue(rng)])}`);
  const n = 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) fields.push(`${pick(rng, FIELDS)}=${hostileValue(rng)}`);
  return fields.join('&');
}

/** Multipart bodies: well-formed with hostile values, truncated, without a boundary, with broken headers, random bytes. */
function multipartBody(rng: Rng): { contentType: string; body: Buffer } {
  const boundary = `----fuzz${Math.floor(rng() * 1e9)}`;
  const part = (name: string, value: string | Buffer, filename?: string) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ''}\r\n${filename !== undefined ? 'Content-Type: image/jpeg\r\n' : ''}\r\n`),
      Buffer.isBuffer(value) ? value : Buffer.from(value),
      Buffer.from('\r\n'),
    ]);
  const random = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  };
  const parts = [part('website', ''), part('senderName', decode(hostileValue(rng))), part('senderContact', '0912345678'), part('message', decode(hostileValue(rng)))];
  if (rng() < 0.5) parts.push(part('files', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), random(200)]), decode(hostileValue(rng)) || 'a.jpg'));
  if (rng() < 0.2) parts.push(part(decode(hostileValue(rng)), random(50)));
  const whole = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  const shape = rng();
  if (shape < 0.3) return { contentType: `multipart/form-data; boundary=${boundary}`, body: whole };
  if (shape < 0.5) return { contentType: `multipart/form-data; boundary=${boundary}`, body: whole.subarray(0, Math.floor(rng() * whole.length)) };
  if (shape < 0.6) return { contentType: 'multipart/form-data', body: whole };
  if (shape < 0.7) return { contentType: `multipart/form-data; boundary=other${boundary}`, body: whole };
  if (shape < 0.8) return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(`--${boundary}\r\nno colon here\r\n\r\nx\r\n--${boundary}--\r\n`) };
  if (shape < 0.9) return { contentType: `multipart/form-data; boundary=${boundary}`, body: random(500) };
  return { contentType: `multipart/form-data; boundary=${'b'.repeat(100)}`, body: random(50) };
}

type Sent = { method: string; path: string; status: number | string };

async function listen(app: Express): Promise<{ server: Server; base: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('fuzz: hostile public requests never get a 5xx', () => {
  let setup: SearchSetup;
  let up: { server: Server; base: string };
  let down: { server: Server; base: string };
  const agent = new Agent({ connections: CONCURRENCY * 2 });

  beforeAll(async () => {
    setup = await searchSetup('fuzz');
    up = await listen(setup.app);
    const withoutMeili = await testApp(setup.t.db, { meili: createMeiliClient('http://127.0.0.1:1', 'x'.repeat(16), 500), config: testConfig({ MEILI_INDEX: setup.indexUid }) });
    down = await listen(withoutMeili);
  });
  afterAll(async () => {
    await agent.close();
    await new Promise((r) => up?.server.close(r));
    await new Promise((r) => down?.server.close(r));
    await setup?.drop();
  });

  it(`answers ${GET_REQUESTS + DOWN_REQUESTS + POST_REQUESTS + EXTRA_REQUESTS} seeded hostile requests without one 5xx or dropped connection`, { timeout: 120_000 }, async () => {
    const rng = seedrandom(SEED);
    const ids = { martyr: setup.fx.martyrs.thanh, grave: setup.fx.graves.partial, cemetery: setup.fx.cemeteries.haTinh };
    type Job = { base: string; method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string | Buffer };
    const jobs: Job[] = [];
    for (let i = 0; i < GET_REQUESTS; i++) jobs.push({ base: up.base, method: 'GET', path: getPath(rng, ids), headers: { accept: rng() < 0.5 ? 'text/html' : 'application/json' } });
    for (let i = 0; i < DOWN_REQUESTS; i++) {
      const route = pick(rng, ['/api/search', '/api/suggest', '/tim-kiem', '/ban-do']);
      jobs.push({ base: down.base, method: 'GET', path: `${route}${query(rng)}`, headers: { accept: 'text/html' } });
    }
    for (let i = 0; i < POST_REQUESTS; i++) {
      const ip = `10.${Math.floor(rng() * 250)}.${Math.floor(rng() * 250)}.${Math.floor(rng() * 250)}`;
      const target = pick(rng, ['/gui-thong-tin', '/gui-thong-tin', `/theo-doi/${hostileValue(rng)}/tra-loi`, '/quan-ly/dang-nhap', '/tim-mo', '/theo-doi-thu', `/mo/${ids.grave}/yeu-cau-anh`, `/liet-si/${ids.martyr}/thap-huong`, `/liet-si/${ids.martyr}/loi-tuong-niem`]);
      if (rng() < 0.5) {
        const { contentType, body } = multipartBody(rng);
        jobs.push({ base: up.base, method: 'POST', path: target, headers: { 'content-type': contentType, 'x-forwarded-for': ip, accept: 'text/html' }, body });
      } else {
        jobs.push({ base: up.base, method: 'POST', path: target, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip, accept: 'text/html' }, body: formBody(rng, ids) });
      }
    }

    // Headers and bodies that parsers have tripped on: hostile cookies (a session token with a NUL,
    // a long one), request ids, charsets, compressed garbage, JSON that is not JSON or nests deeply.
    for (let i = 0; i < EXTRA_REQUESTS; i++) {
      const cookie = pick(rng, [`mls_session=${'a'.repeat(30)}%00`, `mls_session=${'z'.repeat(4_000)}`, 'lang=%00', 'lang=en; lang=vi', `mls_session=${hostileValue(rng)}`, '%00=%00', 'a']);
      const headers: Record<string, string> = { cookie, 'x-request-id': pick(rng, ['x'.repeat(100), '../../etc', 'abcdefgh12', '%00']), 'accept-language': pick(rng, ['vi', '*', 'x'.repeat(300), 'en;q=abc']), accept: pick(rng, ['text/html', 'application/json', '*/*', 'image/png', '']) };
      const shape = rng();
      if (shape < 0.4) {
        jobs.push({ base: up.base, method: 'GET', path: getPath(rng, ids), headers });
      } else {
        const bodies: Array<[string, string | Buffer, Record<string, string>?]> = [
          ['application/json', '{"q":'],
          ['application/json', `${'['.repeat(5_000)}${']'.repeat(5_000)}`],
          ['application/json', '{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}},"senderName":"a\\u0000"}'],
          ['application/json', JSON.stringify({ website: '', senderName: ['a', 'b'], message: { x: 1 }, martyr: -1 })],
          ['application/x-www-form-urlencoded; charset=utf-16', 'senderName=a'],
          ['application/x-www-form-urlencoded; charset=latin1', 'senderName=%E9'],
          ['application/x-www-form-urlencoded', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]), { 'content-encoding': 'gzip' }],
          ['application/x-www-form-urlencoded', 'a=1', { 'content-encoding': 'br, compress' }],
          ['application/x-www-form-urlencoded', `${'a=1&'.repeat(3_000)}`],
          ['text/plain', 'hello'],
          ['multipart/form-data; boundary=', '--\r\n'],
        ];
        const [contentType, body, extra] = pick(rng, bodies);
        const target = pick(rng, ['/gui-thong-tin', '/quan-ly/dang-nhap', `/theo-doi/${hostileValue(rng)}/tra-loi`, '/api/search', '/']);
        jobs.push({ base: up.base, method: 'POST', path: target, headers: { ...headers, 'content-type': contentType, 'x-forwarded-for': '10.250.0.1', ...(extra ?? {}) }, body });
      }
    }

    const failures: Sent[] = [];
    const counts = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        try {
          const res = await request(`${job.base}${job.path}`, { method: job.method, headers: job.headers, body: job.body, dispatcher: agent, headersTimeout: 30_000, bodyTimeout: 30_000 });
          await res.body.dump();
          counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500) failures.push({ method: job.method, path: job.path.slice(0, 300), status: res.statusCode });
        } catch (error) {
          failures.push({ method: job.method, path: job.path.slice(0, 300), status: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(failures).toEqual([]);
    // The fuzz reached the code behind the edge, not only its refusals.
    expect(counts.get(200) ?? 0).toBeGreaterThan(300);
    expect(counts.get(400) ?? 0).toBeGreaterThan(300);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(jobs.length);
  });
});
