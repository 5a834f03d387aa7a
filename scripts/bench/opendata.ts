/**
 * `npm run bench:opendata`: the open-data surfaces on the configured database (the 1,000,000-grave
 * set for the real figures), through a running server process whose memory is sampled:
 *   - /ogc/collections/graves/items?limit=1000 p95 at several depths of the collection (keyset);
 *   - a full page-through of the graves with `next` (time, pages, server RSS at start and end);
 *   - the national files built from one snapshot (seconds, MB/s, the builder's RSS), then the
 *     national graves CSV downloaded through the server and the largest province's CSV streamed on
 *     demand (MB/s, server RSS);
 *   - the change feed's lag after a burst of 10,000 changes written by 4 concurrent writers.
 * Targets: items p95 under 100 ms at any depth, page-through under 10 minutes, RSS flat.
 * Printed, and written to bench/results/opendata.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Agent, request } from 'undici';
import { ROOT_DIR } from '../../server/config.js';
import { buildNationalFiles } from '../../server/opendata/downloads.service.js';
import { indexNeedsRebuild, startServices } from '../../server/portal.js';
import { graveDocuments } from '../../server/search/documents.js';
import { PRIMARY_KEY, settled } from '../../server/search/index-writer.js';
import { runMain } from '../../server/setup/run-main.js';
import { runLoad, timedRequest } from './load.js';
import { readMemory, startServer } from './server-process.js';
import { summarize } from './stats.js';

const LIMIT = 1000;
const REPEAT = 60;
const CONCURRENCY = 2;
const BURST = 10_000;
const BURST_WRITERS = 4;
const TARGETS = { itemsP95Ms: 100, pageThroughSeconds: 600 };
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

/** Reads a body to the end without keeping it: bytes and seconds. */
async function download(url: string): Promise<{ bytes: number; seconds: number; status: number }> {
  const started = performance.now();
  const res = await request(url, { dispatcher: agent });
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  return { bytes, seconds: (performance.now() - started) / 1000, status: res.statusCode };
}

runMain(async (config, logger) => {
  const { values } = parseArgs({ options: { 'min-graves': { type: 'string', default: '1000000' } }, strict: true });
  const minGraves = Number(values['min-graves']);
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  const client = new pg.Client({ connectionString: services.databaseUrl });
  await client.connect();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const graves = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM graves')).rows[0]!.n);
    if (graves < minGraves) {
      console.error(`The database has ${graves} graves; this benchmark wants ${minGraves} (npm run seed -- --graves 1000000, or --min-graves 0 for a quick run).`);
      process.exitCode = 2;
      return;
    }
    const loadBefore = os.loadavg();

    // This benchmark does not measure search. A server that finds the index empty rebuilds it in the
    // background (a million documents, minutes of both cores) while it is being measured; a few real
    // documents keep it from doing so when no `npm run reindex` was run on this copy.
    if (await indexNeedsRebuild(services, config)) {
      const ids = (await client.query<{ id: string }>('SELECT id FROM graves ORDER BY id LIMIT 100')).rows.map((r) => Number(r.id));
      await settled(services.meili, services.meili.index(config.meiliIndex).addDocuments(await graveDocuments(services.db, ids), { primaryKey: PRIMARY_KEY }));
      console.log(`the search index was empty: ${ids.length} grave documents added so the server does not rebuild it during the measurement (search is not measured here)`);
    }

    // The national files first, in this process: the server then finds them and queues no build.
    const rssBefore = process.memoryUsage().rss;
    let peakBuildRss = rssBefore;
    const watch = setInterval(() => (peakBuildRss = Math.max(peakBuildRss, process.memoryUsage().rss)), 100);
    const build = await buildNationalFiles(services.db, config.dataDir, config.publicBaseUrl ?? '', logger);
    clearInterval(watch);
    const totalBytes = build.files.reduce((sum, f) => sum + Number(f.bytes), 0);
    const buildResult = {
      seconds: Math.round(build.seconds * 10) / 10,
      files: Object.fromEntries(build.files.map((f) => [f.name, { mb: Math.round(Number(f.bytes) / 1e5) / 10, rows: Number(f.row_count) }])),
      mbPerSecond: Math.round((totalBytes / 1e6 / build.seconds) * 10) / 10,
      builderRssMb: { before: Math.round(rssBefore / 1e5) / 10, peak: Math.round(peakBuildRss / 1e5) / 10 },
    };
    console.log(`national files built in ${buildResult.seconds} s (${buildResult.mbPerSecond} MB/s), builder RSS ${buildResult.builderRssMb.before} → peak ${buildResult.builderRssMb.peak} MB`);

    server = await startServer({
      rootDir: ROOT_DIR,
      env: {
        ...process.env,
        DATABASE_URL: services.databaseUrl, MEILI_URL: services.meiliUrl, MEILI_MASTER_KEY: services.meiliKey ?? '', MEILI_INDEX: config.meiliIndex,
        // The limiter stays in the path (its cost is measured); its ceiling is above what one client here sends.
        OGC_RATE_LIMIT_PER_MINUTE: '100000', DOWNLOAD_RATE_LIMIT_PER_HOUR: '10000',
        LOG_LEVEL: 'warn', NODE_ENV: process.env.NODE_ENV || 'production',
      },
    });
    const base = server.url;

    // Items at depth: the id a tenth, half, nine tenths of the way in, and near the end.
    server.memory.enter('items');
    const depthIds: Record<string, number> = { first: 0 };
    for (const [name, fraction] of [['10%', 0.1], ['50%', 0.5], ['90%', 0.9], ['last page', 1]] as const) {
      const offset = Math.max(0, Math.floor(graves * fraction) - (fraction === 1 ? LIMIT : 0));
      depthIds[name] = Number((await client.query<{ id: string }>('SELECT id FROM graves ORDER BY id OFFSET $1 LIMIT 1', [offset])).rows[0]?.id ?? 0);
    }
    const items: Record<string, ReturnType<typeof summarize>> = {};
    for (const [name, after] of Object.entries(depthIds)) {
      const url = `/ogc/collections/graves/items?limit=${LIMIT}${after ? `&after=${after}` : ''}`;
      const list = Array.from({ length: REPEAT }, () => url);
      await runLoad(list.slice(0, 4), CONCURRENCY, (p) => timedRequest(`${base}${p}`, { headers: { accept: 'application/geo+json' } }));
      const load = await runLoad(list, CONCURRENCY, (p) => timedRequest(`${base}${p}`, { headers: { accept: 'application/geo+json' } }));
      items[name] = summarize(load.samples.filter((s) => s.outcome.ok).map((s) => s.ms), load.samples.filter((s) => !s.outcome.ok).length, load.wallMs);
      console.log(`items limit=${LIMIT} at ${name.padEnd(10)} p50 ${String(items[name]!.p50).padStart(6)} ms  p95 ${String(items[name]!.p95).padStart(6)} ms  errors ${items[name]!.errors}`);
    }

    // The whole collection, following next as a client does.
    server.memory.enter('page-through');
    const startRss = (await readMemory(server.pid))?.rssKb ?? 0;
    const rssAlong: number[] = [];
    let url: string | undefined = `${base}/ogc/collections/graves/items?limit=${LIMIT}`;
    let pages = 0;
    let features = 0;
    let slowest = 0;
    const started = performance.now();
    while (url) {
      const t0 = performance.now();
      const res = await request(url, { dispatcher: agent, headers: { accept: 'application/geo+json' } });
      const body = (await res.body.json()) as { features: unknown[]; links: { rel: string; href: string }[] };
      slowest = Math.max(slowest, performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`page ${pages + 1} answered ${res.statusCode}`);
      features += body.features.length;
      pages += 1;
      if (pages % 50 === 0) rssAlong.push((await readMemory(server.pid))?.rssKb ?? 0);
      url = body.links.find((l) => l.rel === 'next')?.href;
    }
    const pageThrough = {
      seconds: Math.round((performance.now() - started) / 100) / 10,
      pages,
      features,
      slowestPageMs: Math.round(slowest),
      serverRssMb: { start: mb(startRss), end: mb(rssAlong.at(-1) ?? startRss), max: mb(Math.max(startRss, ...rssAlong)) },
    };
    console.log(`page-through: ${features} graves in ${pages} pages, ${pageThrough.seconds} s, slowest page ${pageThrough.slowestPageMs} ms, server RSS ${pageThrough.serverRssMb.start} → ${pageThrough.serverRssMb.end} MB (max ${pageThrough.serverRssMb.max})`);

    // Downloads through the server: the national CSV (a file) and the largest province's (streamed from PostgreSQL).
    server.memory.enter('downloads');
    const national = await download(`${base}/du-lieu-mo/graves.csv`);
    const rssAfterNational = (await readMemory(server.pid))?.rssKb ?? 0;
    const biggest = (await client.query<{ slug: string; n: string }>(`SELECT p.slug, count(*) AS n FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id JOIN provinces p ON p.code = c.province_code GROUP BY p.slug ORDER BY n DESC LIMIT 1`)).rows[0]!;
    const province = await download(`${base}/du-lieu-mo/tinh/${biggest.slug}/graves.csv`);
    const rssAfterProvince = (await readMemory(server.pid))?.rssKb ?? 0;
    const downloads = {
      nationalGravesCsv: { status: national.status, mb: Math.round(national.bytes / 1e5) / 10, seconds: Math.round(national.seconds * 100) / 100, mbPerSecond: Math.round((national.bytes / 1e6 / national.seconds) * 10) / 10, serverRssMbAfter: mb(rssAfterNational) },
      provinceGravesCsvOnDemand: { province: biggest.slug, graves: Number(biggest.n), status: province.status, mb: Math.round(province.bytes / 1e5) / 10, seconds: Math.round(province.seconds * 10) / 10, mbPerSecond: Math.round((province.bytes / 1e6 / province.seconds) * 10) / 10, serverRssMbAfter: mb(rssAfterProvince) },
      serverPeakRssMbDuringDownloads: mb(server.memory.peakRssKbByPhase.downloads ?? 0),
    };
    console.log(`national graves.csv: ${downloads.nationalGravesCsv.mb} MB at ${downloads.nationalGravesCsv.mbPerSecond} MB/s; ${biggest.slug} on demand: ${downloads.provinceGravesCsvOnDemand.mb} MB at ${downloads.provinceGravesCsvOnDemand.mbPerSecond} MB/s; server RSS ${downloads.nationalGravesCsv.serverRssMbAfter} / ${downloads.provinceGravesCsvOnDemand.serverRssMbAfter} MB`);

    // The change feed: catch up, write a burst of 10,000 public changes, and time until all are read.
    server.memory.enter('feed');
    const poll = async (since: string | undefined) => {
      const res = await request(`${base}/api/changes?limit=1000${since ? `&since=${since}` : ''}`, { dispatcher: agent });
      return (await res.body.json()) as { next: string; more: boolean; changes: { type: string; id: number }[] };
    };
    let cursor: string | undefined;
    for (let page = await poll(undefined); ; page = await poll(cursor)) {
      cursor = page.next;
      if (!page.more) break;
    }
    const ids = (await client.query<{ id: string }>('SELECT id FROM martyrs WHERE is_public ORDER BY id DESC LIMIT $1', [BURST])).rows.map((r) => Number(r.id));
    const writers = Array.from({ length: BURST_WRITERS }, () => new pg.Client({ connectionString: services.databaseUrl }));
    await Promise.all(writers.map((w) => w.connect()));
    const burstStarted = performance.now();
    const perTransaction = 100;
    const batches: number[][] = [];
    for (let i = 0; i < ids.length; i += perTransaction) batches.push(ids.slice(i, i + perTransaction));
    let burstEnded = 0;
    const wanted = new Set(ids);
    const seen = new Set<number>();
    let lastSeenAt = 0;
    const writing = Promise.all(
      writers.map(async (w, index) => {
        for (let b = index; b < batches.length; b += BURST_WRITERS) {
          await w.query('BEGIN');
          await w.query(`UPDATE martyrs SET place_of_death = COALESCE(place_of_death, '') || ' ' WHERE id = ANY($1::bigint[])`, [batches[b]]);
          await w.query('COMMIT');
        }
      }),
    ).then(() => (burstEnded = performance.now()));
    while (seen.size < wanted.size) {
      const page = await poll(cursor);
      cursor = page.next;
      for (const c of page.changes) if (c.type === 'martyr' && wanted.has(c.id) && !seen.has(c.id)) {
        seen.add(c.id);
        lastSeenAt = performance.now();
      }
      if (!page.more) await new Promise((resolve) => setTimeout(resolve, 100));
      if (performance.now() - burstStarted > 600_000) throw new Error(`the feed gave ${seen.size} of ${wanted.size} changes in 10 minutes`);
    }
    await writing;
    await Promise.all(writers.map((w) => w.end()));
    const feed = {
      changes: BURST,
      writers: BURST_WRITERS,
      perTransaction,
      burstSeconds: Math.round((burstEnded - burstStarted) / 100) / 10,
      lastChangeReadAfterBurstEndMs: Math.round(lastSeenAt - burstEnded),
      allReadSeconds: Math.round((lastSeenAt - burstStarted) / 100) / 10,
    };
    console.log(`feed: ${BURST} changes written in ${feed.burstSeconds} s by ${BURST_WRITERS} writers; the last read ${feed.lastChangeReadAfterBurstEndMs} ms after the burst ended`);

    const worstItemsP95 = Math.max(...Object.values(items).map((r) => r.p95));
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100), loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100), note: 'a machine shared with other benchmarks and test runs' },
      dataset: { graves, limit: LIMIT, repeat: REPEAT, concurrency: CONCURRENCY },
      items,
      pageThrough,
      build: buildResult,
      downloads,
      feed,
      serverPeakRssMb: server.memory.peakMb(),
      targets: {
        ...TARGETS,
        itemsP95MsWorst: worstItemsP95,
        met: worstItemsP95 < TARGETS.itemsP95Ms && pageThrough.seconds < TARGETS.pageThroughSeconds && Object.values(items).every((r) => r.errors === 0),
      },
    };
    console.log(`targets: ${JSON.stringify(result.targets)}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'opendata.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to bench/results/opendata.json');
  } finally {
    await server?.stop();
    await client.end();
    await services.close();
  }
});
