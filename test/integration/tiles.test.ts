/** Vector tiles made by PostGIS: right tile, right place, edge cases, caching, and fresh after an edit. */
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { binary } from '../support/http-body.js';

/** The XYZ tile holding a point, and the point's position inside it (0..extent). */
function tileOf(lng: number, lat: number, z: number, extent = 4096) {
  const n = 2 ** z;
  const fx = ((lng + 180) / 360) * n;
  const r = (lat * Math.PI) / 180;
  const fy = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n;
  const x = Math.floor(fx);
  const y = Math.floor(fy);
  return { z, x, y, px: (fx - x) * extent, py: (fy - y) * extent };
}

describe('vector tiles', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let grave: { lng: number; lat: number };

  beforeAll(async () => {
    t = await createTestDatabase('tiles');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db);
    const { rows } = await t.db.raw('SELECT ST_X(position) AS lng, ST_Y(position) AS lat FROM graves WHERE id = ?', [fx.graves.ofThanh]);
    grave = { lng: Number(rows[0].lng), lat: Number(rows[0].lat) };
  });
  afterAll(async () => {
    await t.drop();
  });

  const fetchTile = async (layer: string, z: number, x: number, y: number, headers: Record<string, string> = {}) => {
    const res = await request(app).get(`/tiles/${layer}/${z}/${x}/${y}.mvt`).set(headers).buffer(true).parse(binary);
    // superagent has already undone any gzip content encoding.
    const raw = res.body as Buffer;
    return { res, tile: raw.length ? new VectorTile(new PbfReader(raw)) : undefined };
  };

  it('puts a known grave in the right tile at the right position, with its name, state and plot', async () => {
    const at = tileOf(grave.lng, grave.lat, 17);
    const { res, tile } = await fetchTile('graves', at.z, at.x, at.y);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    const layer = tile!.layers.graves!;
    const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    const feature = features.find((f) => f.id === fx.graves.ofThanh)!;
    expect(feature.properties).toMatchObject({ state: 'identified', name: 'Nguyễn Văn Thành', photo: false });
    const [[point]] = feature.loadGeometry() as unknown as [[{ x: number; y: number }]];
    expect(Math.abs(point.x - at.px)).toBeLessThanOrEqual(1);
    expect(Math.abs(point.y - at.py)).toBeLessThanOrEqual(1);
  });

  it("never names a confidential martyr's grave, even when its headstone carries the name, in the tile that holds it", async () => {
    const { rows } = await t.db.raw(
      'SELECT g.id, ST_X(g.position) AS lng, ST_Y(g.position) AS lat FROM graves g JOIN martyrs m ON m.grave_id = g.id WHERE m.id = ?',
      [fx.martyrs.confidential],
    );
    const hidden = { id: Number(rows[0].id), lng: Number(rows[0].lng), lat: Number(rows[0].lat) };
    // The headstone is legible only in part: what it says is the confidential martyr's name.
    await t.db('graves').where({ id: hidden.id }).update({ state: 'partial', known_name: 'Nguyễn Văn Bảo Mật' });
    try {
      for (const z of [15, 17, 22]) {
        const at = tileOf(hidden.lng, hidden.lat, z);
        const layer = (await fetchTile('graves', at.z, at.x, at.y)).tile!.layers.graves!;
        const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
        const feature = features.find((f) => f.id === hidden.id);
        expect(feature, `z${z}`).toBeDefined();
        expect(feature!.properties.name, `z${z}`).toBeUndefined();
        expect(features.some((f) => String(f.properties.name ?? '').includes('Bảo Mật')), `z${z}`).toBe(false);
      }
    } finally {
      await t.db('graves').where({ id: hidden.id }).update({ state: 'identified', known_name: null });
    }
  });

  it('shows counts instead of graves at low zoom: per province, then per cemetery, then on a grid', async () => {
    const z5 = tileOf(grave.lng, grave.lat, 5);
    const province = (await fetchTile('graves', z5.z, z5.x, z5.y)).tile!.layers['grave-counts']!;
    const levels = Array.from({ length: province.length }, (_, i) => province.feature(i).properties);
    expect(levels.find((p) => p.key === '44')).toMatchObject({ level: 'province', name: 'Quảng Trị' });
    expect((await fetchTile('graves', z5.z, z5.x, z5.y)).tile!.layers.graves).toBeUndefined();

    const z10 = tileOf(grave.lng, grave.lat, 10);
    const cemetery = (await fetchTile('graves', z10.z, z10.x, z10.y)).tile!.layers['grave-counts']!.feature(0).properties;
    expect(cemetery).toMatchObject({ level: 'cemetery', key: String(fx.cemeteries.truongSon), name: 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn' });
    const total = Number((await t.db('graves').where({ cemetery_id: fx.cemeteries.truongSon }).count({ n: '*' }))[0]!.n);
    expect(cemetery.total).toBe(total);

    const z13 = tileOf(grave.lng, grave.lat, 13);
    const grid = (await fetchTile('graves', z13.z, z13.x, z13.y)).tile!.layers['grave-counts']!;
    const gridTotal = Array.from({ length: grid.length }, (_, i) => Number(grid.feature(i).properties.total)).reduce((a, b) => a + b, 0);
    expect(gridTotal).toBe(total);
  });

  it('answers an empty area with 204, and serves z=0 and z=22', async () => {
    const sea = tileOf(-30, 0, 10);
    expect((await fetchTile('graves', sea.z, sea.x, sea.y)).res.status).toBe(204);
    expect((await fetchTile('basemap', 10, 0, 0)).res.status).toBe(204);
    const world = await fetchTile('graves', 0, 0, 0);
    expect(world.res.status).toBe(200);
    const deep = tileOf(grave.lng, grave.lat, 22);
    const z22 = await fetchTile('graves', deep.z, deep.x, deep.y);
    expect(z22.res.status).toBe(200);
    expect(z22.tile!.layers.graves!.feature(0).id).toBe(fx.graves.ofThanh);
  });

  it('includes a grave that lies on the edge of its tile, in the neighbouring tile too (buffer)', async () => {
    const at = tileOf(grave.lng, grave.lat, 16);
    // Move the grave to just inside the tile's west edge.
    const n = 2 ** at.z;
    const westLng = (at.x / n) * 360 - 180 + 1e-7;
    await t.db.raw('UPDATE graves SET position = ST_SetSRID(ST_MakePoint(?, ?), 4326) WHERE id = ?', [westLng, grave.lat, fx.graves.ofThanh]);
    try {
      const own = await fetchTile('graves', at.z, at.x, at.y);
      const west = await fetchTile('graves', at.z, at.x - 1, at.y);
      const ids = (tile: VectorTile | undefined) => (tile?.layers.graves ? Array.from({ length: tile.layers.graves.length }, (_, i) => tile.layers.graves!.feature(i).id) : []);
      expect(ids(own.tile)).toContain(fx.graves.ofThanh);
      expect(ids(west.tile)).toContain(fx.graves.ofThanh);
    } finally {
      await t.db.raw('UPDATE graves SET position = ST_SetSRID(ST_MakePoint(?, ?), 4326) WHERE id = ?', [grave.lng, grave.lat, fx.graves.ofThanh]);
    }
  });

  it('answers bad coordinates with 400 and an unknown layer with 404', async () => {
    for (const path of ['/tiles/graves/23/0/0.mvt', '/tiles/graves/2/4/0.mvt', '/tiles/graves/2/0/-1.mvt', '/tiles/graves/a/0/0.mvt', '/tiles/basemap/17/0/0.mvt']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error?.code, `${path} ${res.text}`).toBe('bad_request');
    }
    const unknown = await request(app).get('/tiles/roads/1/0/0.mvt');
    expect(unknown.status).toBe(404);
  });

  it('sends an ETag, answers 304 when unchanged, compresses, and shows an edit at once', async () => {
    const at = tileOf(grave.lng, grave.lat, 17);
    const first = await fetchTile('graves', at.z, at.x, at.y, { 'Accept-Encoding': 'gzip' });
    // Tiles under a kilobyte go as they are; bigger ones are compressed.
    expect((await fetchTile('basemap', 5, 25, 14, { 'Accept-Encoding': 'gzip' })).res.headers['content-encoding']).toBe('gzip');
    expect(first.res.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    const etag = first.res.headers.etag!;
    expect(etag).toMatch(/^"/);
    const again = await request(app).get(`/tiles/graves/${at.z}/${at.x}/${at.y}.mvt`).set('If-None-Match', etag);
    expect(again.status).toBe(304);

    await t.db('martyrs').where({ id: fx.martyrs.thanh }).update({ full_name: 'Nguyễn Văn Thành Sửa' });
    const edited = await fetchTile('graves', at.z, at.x, at.y, { 'If-None-Match': etag });
    expect(edited.res.status).toBe(200);
    const layer = edited.tile!.layers.graves!;
    const names = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.name);
    expect(names).toContain('Nguyễn Văn Thành Sửa');
    await t.db('martyrs').where({ id: fx.martyrs.thanh }).update({ full_name: 'Nguyễn Văn Thành' });
  });

  it('serves TileJSON for each layer, and a basemap with provinces old and new', async () => {
    const json = await request(app).get('/tiles/graves.json');
    expect(json.body).toMatchObject({ tilejson: '3.0.0', tiles: [expect.stringMatching(/\/tiles\/graves\/\{z\}\/\{x\}\/\{y\}\.mvt$/)], minzoom: 0, maxzoom: 22 });
    expect(json.body.vector_layers.map((l: { id: string }) => l.id)).toEqual(['grave-counts', 'graves']);
    const base = await fetchTile('basemap', 5, 25, 14);
    expect(Object.keys(base.tile!.layers).sort()).toEqual(['countries', 'labels', 'land', 'provinces', 'provinces-2024']);
    expect(base.res.headers['cache-control']).toBe('public, max-age=86400');
    const cem = tileOf(106.95, 16.95, 15);
    const cemeteries = await fetchTile('cemeteries', cem.z, cem.x, cem.y);
    expect(cemeteries.tile!.layers['cemetery-areas']!.length).toBe(1);
  });
});
