/**
 * `npm run bench:tiles`: vector-tile latency on the configured database (the 1,000,000-grave set for
 * the real figures). A fixed set of tiles across zoom 5 to 17, where the data is, is requested
 * through the running API and the same layer SQL is run straight against PostgreSQL in the same
 * run, both with the same number of concurrent clients; p50/p95/p99, the ratio, the biggest
 * tiles, and the map page's own JavaScript size. Printed, and written to bench/results/tiles.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { ROOT_DIR } from '../../server/config.js';
import { startServices } from '../../server/portal.js';
import { runMain } from '../../server/setup/run-main.js';
import { TILE_LAYERS, tileSql } from '../../server/tiles/tile-layers.js';
import { runLoad, timedRequest } from './load.js';
import { startServer } from './server-process.js';
import { ratio, summarize } from './stats.js';

const CONCURRENCY = 4;
const ZOOMS = Array.from({ length: 13 }, (_, i) => i + 5); // 5..17
const PER_ZOOM = 30;
const TARGETS = { p95Ms: 50, apiOverSql: 1.5, maxTileBytes: 500 * 1024, mapJsGzipBytes: 100 * 1024 };

type Tile = { layer: string; z: number; x: number; y: number };

function tileOf(lng: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { x: Math.floor(((lng + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

/** Tiles where the data is: around graves sampled by a fixed stride, so every run asks the same tiles. */
async function tileSet(client: pg.Client): Promise<Tile[]> {
  const { rows } = await client.query<{ lng: number; lat: number }>(`
    SELECT ST_X(position) AS lng, ST_Y(position) AS lat FROM graves
    WHERE position IS NOT NULL AND id % 997 = 0 ORDER BY id LIMIT 2000`);
  const tiles: Tile[] = [];
  for (const layer of ['graves', 'cemeteries', 'basemap']) {
    for (const z of ZOOMS) {
      if (z > TILE_LAYERS[layer]!.maxzoom) continue;
      const seen = new Set<string>();
      for (let i = 0; i < rows.length && seen.size < PER_ZOOM; i += 7) {
        const { x, y } = tileOf(Number(rows[i]!.lng), Number(rows[i]!.lat), z);
        const key = `${x}/${y}`;
        if (seen.has(key)) continue;
        seen.add(key);
        tiles.push({ layer, z, x, y });
      }
    }
  }
  return tiles;
}

runMain(async (config, logger) => {
  const { values } = parseArgs({ options: { 'min-graves': { type: 'string', default: '1000000' } }, strict: true });
  const minGraves = Number(values['min-graves']);
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  const client = new pg.Client({ connectionString: services.databaseUrl });
  await client.connect();
  const sqlPool = new pg.Pool({ connectionString: services.databaseUrl, max: CONCURRENCY });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const graves = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM graves')).rows[0]!.n);
    if (graves < minGraves) {
      console.error(`The database has ${graves} graves; this benchmark wants ${minGraves} (npm run seed -- --graves 1000000, or --min-graves 0 for a quick run).`);
      process.exitCode = 2;
      return;
    }
    const tiles = await tileSet(client);
    console.log(`${graves.toLocaleString('en')} graves; ${tiles.length} tiles across zoom ${ZOOMS[0]}-${ZOOMS.at(-1)} (graves, cemeteries, basemap)`);

    server = await startServer({
      rootDir: ROOT_DIR,
      env: { ...process.env, DATABASE_URL: services.databaseUrl, MEILI_URL: services.meiliUrl, MEILI_MASTER_KEY: services.meiliKey ?? '', MEILI_INDEX: config.meiliIndex, LOG_LEVEL: 'warn', NODE_ENV: process.env.NODE_ENV || 'production' },
    });
    const url = (t: Tile) => `${server!.url}/tiles/${t.layer}/${t.z}/${t.x}/${t.y}.mvt`;

    // Warm both paths once (PostgreSQL's buffers, the server's pools), then measure.
    await runLoad(tiles, CONCURRENCY, (t) => timedRequest(url(t)));
    const sizes: Array<Tile & { bytes: number }> = [];
    const api = await runLoad(tiles, CONCURRENCY, async (t) => {
      const result = await timedRequest(url(t), { headers: { 'Accept-Encoding': 'identity' } });
      sizes.push({ ...t, bytes: result.outcome.body?.length ?? 0 });
      return result;
    });
    const sql = await runLoad(tiles, CONCURRENCY, async (t) => {
      const started = performance.now();
      try {
        // The same SQL text the server runs, with the same values bound (knex's :name → $n here).
        const text = tileSql(TILE_LAYERS[t.layer]!, t.z).replace(/:z\b/g, '$1').replace(/:x\b/g, '$2').replace(/:y\b/g, '$3');
        const { rows } = await sqlPool.query<{ mvt: Buffer | null }>(text, [t.z, t.x, t.y]);
        return { ms: performance.now() - started, outcome: { ok: true, body: rows[0]?.mvt ?? Buffer.alloc(0) } };
      } catch (error) {
        return { ms: performance.now() - started, outcome: { ok: false, error: String(error) } };
      }
    });

    const pick = (samples: typeof api.samples, layer?: string) => samples.filter((s) => !layer || tiles[s.index]!.layer === layer);
    const stats = (samples: typeof api.samples, wallMs: number) =>
      summarize(samples.filter((s) => s.outcome.ok).map((s) => s.ms), samples.filter((s) => !s.outcome.ok).length, wallMs);
    const byLayer = Object.fromEntries(
      ['graves', 'cemeteries', 'basemap'].map((layer) => {
        const a = stats(pick(api.samples, layer), api.wallMs);
        const s = stats(pick(sql.samples, layer), sql.wallMs);
        return [layer, { api: a, sql: s, ratioP95: ratio(a.p95, s.p95), ratioP50: ratio(a.p50, s.p50) }];
      }),
    );
    const byZoom = Object.fromEntries(
      ZOOMS.map((z) => {
        const a = api.samples.filter((s) => tiles[s.index]!.z === z);
        return [z, stats(a, api.wallMs)];
      }),
    );
    const all = { api: stats(api.samples, api.wallMs), sql: stats(sql.samples, sql.wallMs) };
    const biggest = sizes.sort((a, b) => b.bytes - a.bytes).slice(0, 5);
    const mapJsPath = path.join(ROOT_DIR, 'web', 'static', 'build', 'map.js');
    const mapJs = existsSync(mapJsPath) ? { bytes: readFileSync(mapJsPath).length, gzipBytes: gzipSync(readFileSync(mapJsPath), { level: 9 }).length } : null;

    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
      dataset: { graves, tiles: tiles.length, zooms: [ZOOMS[0], ZOOMS.at(-1)], concurrency: CONCURRENCY },
      all: { ...all, ratioP95: ratio(all.api.p95, all.sql.p95), ratioP50: ratio(all.api.p50, all.sql.p50) },
      byLayer,
      byZoom,
      biggestTiles: biggest,
      mapJs,
      serverPeakRssMb: server.memory.peakMb(),
      targets: {
        ...TARGETS,
        dataLayersP95Met: byLayer.graves!.api.p95 < TARGETS.p95Ms && byLayer.cemeteries!.api.p95 < TARGETS.p95Ms,
        allP95Met: all.api.p95 < TARGETS.p95Ms,
        ratioMet: (ratio(all.api.p95, all.sql.p95) ?? Infinity) <= TARGETS.apiOverSql,
        tileSizeMet: (biggest[0]?.bytes ?? 0) <= TARGETS.maxTileBytes,
        mapJsMet: mapJs ? mapJs.gzipBytes < TARGETS.mapJsGzipBytes : null,
      },
    };
    const line = (name: string, s: { p50: number; p95: number; p99: number; errors: number; n: number }) =>
      `${name.padEnd(22)} p50 ${String(s.p50).padStart(7)} ms  p95 ${String(s.p95).padStart(7)} ms  p99 ${String(s.p99).padStart(7)} ms  n ${s.n}  errors ${s.errors}`;
    console.log(line('all tiles via API', all.api));
    console.log(line('all tiles raw SQL', all.sql));
    for (const [layer, r] of Object.entries(byLayer)) {
      console.log(line(`${layer} via API`, r.api));
      console.log(line(`${layer} raw SQL`, r.sql));
    }
    console.log(`ratio API/SQL p95: ${result.all.ratioP95} (graves ${byLayer.graves!.ratioP95}, cemeteries ${byLayer.cemeteries!.ratioP95}, basemap ${byLayer.basemap!.ratioP95})`);
    console.log(`biggest tiles: ${biggest.map((b) => `${b.layer}/${b.z}/${b.x}/${b.y} ${(b.bytes / 1024).toFixed(1)} KB`).join(', ')}`);
    if (mapJs) console.log(`map page JS: ${(mapJs.bytes / 1024).toFixed(1)} KB, ${(mapJs.gzipBytes / 1024).toFixed(1)} KB gzipped`);
    console.log(`server peak RSS: ${result.serverPeakRssMb} MB`);
    console.log(`targets: ${JSON.stringify(result.targets)}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'tiles.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to bench/results/tiles.json');
  } finally {
    await server?.stop();
    await sqlPool.end();
    await client.end();
    await services.close();
  }
});
