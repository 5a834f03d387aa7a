/**
 * The OpenAPI 3.1 document of /api: a valid document, every /api route of the app in it (found by
 * walking the app's router, so a route added by another capability and not registered in
 * server/openapi/api-document.ts fails here, named), and every route answering as it says.
 */
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { API_ROUTES, errorSchema } from '../../server/openapi/api-document.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { reindex } from '../../server/search/reindex.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every (method, path) the app routes, nested routers included. */
function routesOf(app: Express): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat().filter((p): p is string => typeof p === 'string')) for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push({ method, path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

type Doc = {
  openapi: string;
  info: { title: string; version: string; license?: { name: string } };
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean; schema: unknown }[]; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
};

describe('the OpenAPI document of /api', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let doc: Doc;
  let indexUid: string;

  beforeAll(async () => {
    t = await createTestDatabase('openapi');
    fx = await loadSearchFixture(t.db);
    indexUid = `test_openapi_${randomBytes(4).toString('hex')}`;
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    app = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid }) });
    const res = await request(app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as Doc;
  });
  afterAll(async () => {
    await testMeili().deleteIndexIfExists(indexUid);
    await t.drop();
  });

  it('is a valid OpenAPI 3.1 document: info, operations with responses, parameters with schemas, every $ref resolving', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.info.license?.name).toBe('CC BY 4.0');
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith('/api/'), path).toBe(true);
      for (const [method, op] of Object.entries(item)) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(op.responses['200']?.content?.['application/json']?.schema, `${method} ${path}`).toBeTruthy();
        for (const [status, response] of Object.entries(op.responses)) expect(response.description, `${method} ${path} ${status}`).toBeTruthy();
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(pathParams.map((p) => p.name).sort(), path).toEqual(inPath.sort());
        for (const p of op.parameters ?? []) {
          expect(['query', 'path', 'header', 'cookie']).toContain(p.in);
          expect(p.schema, `${path} ${p.name}`).toBeTruthy();
          if (p.in === 'path') expect(p.required).toBe(true);
        }
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeTruthy();
  });

  it('holds every /api route the app has, and no route it does not have', () => {
    const routes = routesOf(app).filter((r) => r.path.startsWith('/api/') && r.path !== '/api/openapi.json' && r.path !== '/api/docs');
    expect(routes.length).toBeGreaterThan(5);
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    const routed = routes.map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const missing = routed.filter((r) => !documented.includes(r));
    expect(missing, 'register these in server/openapi/api-document.ts (API_ROUTES)').toEqual([]);
    expect(documented.filter((d) => !routed.includes(d))).toEqual([]);
  });

  it('every route answers as it says: its 200 matches the response schema, a bad parameter the error schema', async () => {
    const examples: Record<string, string> = {
      '/api/search': '/api/search?q=nguyen%20van%20thanh',
      '/api/suggest': '/api/suggest?q=nguyen',
      '/api/martyrs/{id}': `/api/martyrs/${fx.martyrs.thanh}`,
      '/api/graves/{id}': `/api/graves/${fx.graves.ofThanh}`,
      '/api/cemeteries/{id}': `/api/cemeteries/${fx.cemeteries.truongSon}`,
    };
    for (const route of API_ROUTES) {
      const url = examples[route.path] ?? route.path;
      const res = await request(app).get(url);
      expect(res.status, url).toBe(200);
      const parsed = route.response.safeParse(res.body);
      expect(parsed.success, `${url}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
      if (!route.query) continue;
      const bad = await request(app).get(`${url}${url.includes('?') ? '&' : '?'}colour=red`);
      expect(bad.status, `${url} with an unknown parameter`).toBe(400);
      expect(errorSchema.safeParse(bad.body).success, url).toBe(true);
    }
    for (const route of API_ROUTES.filter((r) => r.notFound)) {
      const res = await request(app).get(route.path.replace('{id}', '999999999'));
      expect(res.status, route.path).toBe(404);
      expect(errorSchema.safeParse(res.body).success).toBe(true);
    }
  });

  it('renders /api/docs from the same document, with no script or style from elsewhere', async () => {
    const res = await request(app).get('/api/docs').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    for (const path of Object.keys(doc.paths)) expect(res.text).toContain(path);
    expect(res.text).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
  });
});
