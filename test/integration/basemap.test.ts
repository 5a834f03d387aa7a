/**
 * The offline basemap's surroundings in real tiles from PostGIS: the neighbours as land with their
 * names, Hoàng Sa and Trường Sa drawn as Vietnam's land and named, rivers and district names only
 * from the zooms that want them, and a loader that does nothing the second time.
 */
import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import type { Express } from 'express';
import { PbfReader } from 'pbf';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBasemap } from '../../seeds/reference/load-basemap.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { binary, tileOf } from '../support/http-body.js';

const features = (layer: VectorTileLayer | undefined) => (layer ? Array.from({ length: layer.length }, (_, i) => layer.feature(i)) : []);

describe('the offline basemap around Vietnam', () => {
  let t: TestDatabase;
  let app: Express;

  beforeAll(async () => {
    t = await createTestDatabase('basemap');
    app = await testApp(t.db);
  });
  afterAll(async () => {
    await t.drop();
  });

  const basemapTile = async (lng: number, lat: number, z: number) => {
    const { x, y } = tileOf(lng, lat, z);
    const res = await request(app).get(`/tiles/basemap/${z}/${x}/${y}.mvt`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    return new VectorTile(new PbfReader(res.body as Buffer));
  };

  it('draws Laos, Cambodia and China as land, with their Vietnamese and English names', async () => {
    const tile = await basemapTile(104, 16, 4);
    expect(features(tile.layers.countries).map((f) => f.properties.code)).toEqual(expect.arrayContaining(['LA', 'KH', 'CN', 'TH']));
    const names = (tile: VectorTile) => features(tile.layers.labels).filter((f) => f.properties.kind === 'country').map((f) => [f.properties.name, f.properties.name_en]);
    expect(names(tile)).toEqual(expect.arrayContaining([['Lào', 'Laos'], ['Campuchia', 'Cambodia']]));
    expect(names(await basemapTile(109.8, 23.3, 4))).toEqual(expect.arrayContaining([['Trung Quốc', 'China']]));
  });

  it('names Quần đảo Hoàng Sa and Quần đảo Trường Sa, draws them as Vietnam’s land, and no neighbour over them', async () => {
    const islands = async (lng: number, lat: number) => features((await basemapTile(lng, lat, 5)).layers.labels).filter((f) => f.properties.kind === 'islands').map((f) => f.properties.name);
    expect(await islands(111.95, 16.45)).toContain('Quần đảo Hoàng Sa');
    expect(await islands(114.2, 9.9)).toContain('Quần đảo Trường Sa');
    const { rows } = await t.db.raw(`
      SELECT (SELECT count(*) FROM basemap_land WHERE ST_Intersects(geom, ST_MakeEnvelope(111.1, 15.6, 112.8, 17.2, 4326)))::int AS vietnam,
             (SELECT count(*) FROM basemap_countries WHERE ST_Intersects(geom, ST_MakeEnvelope(111.1, 15.6, 112.8, 17.2, 4326)))::int AS hoang_sa_other,
             (SELECT count(*) FROM basemap_countries WHERE ST_Intersects(geom, ST_MakeEnvelope(111.9, 8.5, 114.5, 11.5, 4326)))::int AS truong_sa_other`);
    expect(rows[0]).toEqual({ vietnam: 1, hoang_sa_other: 0, truong_sa_other: 0 });
  });

  it('sends rivers from zoom 6 and more of them closer in; district names from zoom 8', async () => {
    // The Red River near Hà Nội.
    const [z5, z6, z11] = [await basemapTile(105.85, 21.05, 5), await basemapTile(105.85, 21.05, 6), await basemapTile(105.85, 21.05, 11)];
    expect(z5.layers.rivers).toBeUndefined();
    const levels = (tile: VectorTile) => new Set(features(tile.layers.rivers).map((f) => Number(f.properties.level)));
    expect(Math.max(...levels(z6))).toBe(2);
    expect(Math.max(...levels(z11))).toBeGreaterThan(2);
    const districts = (tile: VectorTile) => features(tile.layers.labels).filter((f) => f.properties.kind === 'district').map((f) => f.properties.name);
    expect(districts(await basemapTile(105.85, 21.03, 7))).toEqual([]);
    expect(districts(await basemapTile(105.85, 21.03, 8))).toEqual(expect.arrayContaining(['Hoàn Kiếm', 'Ba Đình']));
  });

  it('advertises the whole region in TileJSON, so the neighbours’ tiles are asked for', async () => {
    const res = await request(app).get('/tiles/basemap.json');
    const [w, s, e, n] = res.body.bounds as number[];
    expect(w).toBeLessThanOrEqual(92);
    expect(e).toBeGreaterThanOrEqual(125);
    expect(s).toBeLessThanOrEqual(0);
    expect(n).toBeGreaterThanOrEqual(28);
    expect(res.body.vector_layers.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['countries', 'rivers', 'land', 'labels']));
  });

  it('loads the shipped files once: a second load changes nothing, a missing or changed row loads them again', async () => {
    const before = await t.db('basemap_countries').count<{ count: string }[]>({ count: '*' });
    expect(await loadBasemap(t.db)).toEqual({ loaded: false });
    expect(await t.db('basemap_countries').count<{ count: string }[]>({ count: '*' })).toEqual(before);
    await t.db('basemap_named_points').where({ key: 'islands:hoang-sa' }).delete();
    expect(await loadBasemap(t.db)).toEqual({ loaded: true });
    expect(await t.db('basemap_named_points').where({ key: 'islands:hoang-sa' }).first('name_vi')).toEqual({ name_vi: 'Quần đảo Hoàng Sa' });
    // A name corrected in the shipped data reaches a database loaded before.
    await t.db('basemap_countries').where({ code: 'MM' }).update({ name_vi: 'Mianma' });
    expect(await loadBasemap(t.db)).toEqual({ loaded: true });
    expect(await t.db('basemap_countries').where({ code: 'MM' }).first('name_vi')).toEqual({ name_vi: 'Mi-an-ma' });
  });
});
