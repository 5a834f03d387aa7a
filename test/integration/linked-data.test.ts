/**
 * schema.org JSON-LD on the martyr and grave pages: a Person with its dates, the grave as a Place
 * with coordinates inside a Cemetery with its own.
 */
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, testConfig, type TestDatabase } from '../support/services.js';

type Node = Record<string, unknown> & { '@type': string };
const graphOf = (html: string): Node[] => {
  const block = /<script type="application\/ld\+json">([^<]+)<\/script>/.exec(html)?.[1];
  expect(block, 'a JSON-LD block').toBeTruthy();
  const doc = JSON.parse(block!) as { '@context': string; '@graph': Node[] };
  expect(doc['@context']).toBe('https://schema.org');
  return doc['@graph'];
};

describe('linked data on the record pages', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  beforeAll(async () => {
    t = await createTestDatabase('linkeddata');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db, { config: testConfig({ PUBLIC_BASE_URL: 'https://portal.example.vn' }) });
  });
  afterAll(async () => t.drop());

  it('a martyr page describes a Person with birth and death dates, and the grave in its cemetery as Places with geo', async () => {
    const res = await request(app).get(`/liet-si/${fx.martyrs.thanh}`).set('Accept', 'text/html').redirects(1);
    expect(res.status).toBe(200);
    const graph = graphOf(res.text);
    const martyr = await t.db('martyrs').where({ id: fx.martyrs.thanh }).first();
    const person = graph.find((n) => n['@type'] === 'Person')!;
    expect(person).toMatchObject({ name: martyr.full_name, url: expect.stringMatching(/^https:\/\/portal\.example\.vn\/liet-si\//) });
    if (martyr.death_year) expect(String(person.deathDate)).toMatch(new RegExp(`^${martyr.death_year}`));
    const grave = graph.find((n) => n['@type'] === 'Place')!;
    expect(grave.url).toBe(`https://portal.example.vn/mo/${fx.graves.ofThanh}`);
    expect(grave.geo).toMatchObject({ '@type': 'GeoCoordinates', latitude: expect.any(Number), longitude: expect.any(Number) });
    const cemetery = grave.containedInPlace as Node;
    expect(cemetery).toMatchObject({ '@type': 'Cemetery', name: 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn', geo: { latitude: 16.95, longitude: 106.95 } });
  });

  it('a grave page describes the grave as a Place in its Cemetery and the martyr buried there', async () => {
    const res = await request(app).get(`/mo/${fx.graves.ofThanh}`).set('Accept', 'text/html');
    const graph = graphOf(res.text);
    expect(graph.map((n) => n['@type'])).toEqual(['Place', 'Person']);
    expect((graph[0]!.containedInPlace as Node)['@type']).toBe('Cemetery');
  });
});
