/**
 * `npm run bench:coverage`: the coverage page (/quan-ly/tong-quan) on the configured database (the
 * 1,000,000-grave set for the real figures), signed in as a ministry officer and as a province
 * officer: the map and table of each level, an area's charts, the CSV and XLSX downloads; and one
 * refresh of the materialized views, timed. The app runs in this process on a free port (the page
 * needs no Meilisearch). Target: page p95 under 300 ms. Printed, and written to
 * bench/results/coverage.json.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { createUser } from '../../server/accounts/users.service.js';
import { createApp } from '../../server/app.js';
import { ROOT_DIR } from '../../server/config.js';
import { refreshCoverageViews } from '../../server/coverage/coverage-views.queries.js';
import { createDb } from '../../server/db/knex.js';
import { preparePostgresFor } from '../../server/setup/postgres.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { createMeiliClient } from '../../server/search/client.js';
import { runMain } from '../../server/setup/run-main.js';
import { runLoad, timedRequest } from './load.js';
import { summarize } from './stats.js';

const CONCURRENCY = 4;
const REPEAT = 200;
const DOWNLOAD_REPEAT = 20;
const TARGETS = { pageP95Ms: 300 };
const PASSWORD = 'bench: mùa thu lá vàng rơi trên phố cổ';

/** Signs in through the form as a browser does; the session cookie. */
async function signIn(base: string, email: string): Promise<string> {
  const form = await request(`${base}/quan-ly/dang-nhap`);
  const html = await form.body.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookies = ([] as string[]).concat(form.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
  if (!token) throw new Error('no sign-in token on the page');
  const response = await request(`${base}/quan-ly/dang-nhap`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({ identifier: email, password: PASSWORD, _csrf: token }).toString(),
  });
  await response.body.dump();
  if (response.statusCode !== 303) throw new Error(`sign-in failed with ${response.statusCode}`);
  const session = ([] as string[]).concat(response.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
  return [...cookies, ...session].join('; ');
}

runMain(async (config, logger) => {
  const { values } = parseArgs({ options: { 'min-graves': { type: 'string', default: '1000000' } }, strict: true });
  const minGraves = Number(values['min-graves']);
  const db = createDb(await preparePostgresFor(config, logger), config.databasePoolMax, logger, { acquireMs: config.databaseAcquireTimeoutMs, statementMs: config.databaseStatementTimeoutMs });
  let server: Server | undefined;
  try {
    const ready = (await db.raw<{ rows: { ok: boolean }[] }>(`SELECT to_regclass('coverage_current') IS NOT NULL AS ok`)).rows[0]!.ok;
    if (!ready) {
      console.error('The database has no coverage views: run `npm run migrate` on it first (on a copy of mls_bench, never mls_bench itself).');
      process.exitCode = 2;
      return;
    }
    const graves = Number((await db.raw<{ rows: { n: string }[] }>('SELECT count(*) AS n FROM graves')).rows[0]!.n);
    if (graves < minGraves) {
      console.error(`The database has ${graves} graves; this benchmark wants ${minGraves} (npm run seed -- --graves 1000000, or --min-graves 0 for a quick run).`);
      process.exitCode = 2;
      return;
    }
    const refreshStarted = performance.now();
    await refreshCoverageViews(db);
    const refreshMs = Math.round(performance.now() - refreshStarted);
    console.log(`refresh of the coverage views: ${refreshMs} ms`);

    // The province with the most cemeteries: the heaviest province officer's page.
    const busiest = (await db.raw<{ rows: { code: string; n: number }[] }>(
      `SELECT province_code AS code, count(*)::int AS n FROM cemeteries GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
    )).rows[0]!;
    const someCemetery = (await db.raw<{ rows: { id: number }[] }>(`SELECT id FROM cemeteries WHERE province_code = ? ORDER BY id LIMIT 1`, [busiest.code])).rows[0]!.id;
    const stamp = Date.now();
    const ministry = `bench.ministry.${stamp}@bench.example.vn`;
    const officer = `bench.officer.${stamp}@bench.example.vn`;
    const actor = { userId: null, ip: null };
    await createUser(db, actor, { email: ministry, displayName: 'Bench ministry', grants: [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }], password: PASSWORD });
    await createUser(db, actor, { email: officer, displayName: 'Bench officer', grants: [{ role: 'province_officer', provinceCode: busiest.code, cemeteryId: null }], password: PASSWORD });

    const app = createApp({ config, db, meili: createMeiliClient('http://127.0.0.1:9', 'none', 500), provinces: await loadProvinceCatalogue(db), logger });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cookies = { ministry: await signIn(base, ministry), officer: await signIn(base, officer) };

    const cases: { name: string; who: keyof typeof cookies; path: string; page: boolean }[] = [
      { name: 'national: 34 provinces', who: 'ministry', path: '/quan-ly/tong-quan', page: true },
      { name: 'national: 63 provinces, photos', who: 'ministry', path: '/quan-ly/tong-quan?level=old_province&measure=graves_with_photo', page: true },
      { name: 'national: cemeteries page 1', who: 'ministry', path: '/quan-ly/tong-quan?level=cemetery', page: true },
      { name: 'national: cemeteries by name p10', who: 'ministry', path: '/quan-ly/tong-quan?level=cemetery&sort=name&page=10', page: true },
      { name: 'national: province charts', who: 'ministry', path: `/quan-ly/tong-quan/tinh/${busiest.code}`, page: true },
      { name: `officer ${busiest.code}: cemeteries (${busiest.n})`, who: 'officer', path: '/quan-ly/tong-quan', page: true },
      { name: 'officer: cemetery charts', who: 'officer', path: `/quan-ly/tong-quan/nghia-trang/${someCemetery}`, page: true },
      { name: 'national: CSV of every cemetery', who: 'ministry', path: '/quan-ly/tong-quan.csv?level=cemetery', page: false },
      { name: 'national: XLSX of every cemetery', who: 'ministry', path: '/quan-ly/tong-quan.xlsx?level=cemetery', page: false },
    ];
    const results: Record<string, ReturnType<typeof summarize> & { page: boolean }> = {};
    for (const c of cases) {
      const items = Array.from({ length: c.page ? REPEAT : DOWNLOAD_REPEAT }, () => c.path);
      const fetchOne = (p: string) => timedRequest(`${base}${p}`, { headers: { cookie: cookies[c.who], accept: 'text/html' } });
      await runLoad(items.slice(0, 5), CONCURRENCY, fetchOne);
      const load = await runLoad(items, c.page ? CONCURRENCY : 2, fetchOne);
      const failed = load.samples.filter((s) => !s.outcome.ok);
      if (failed.length) console.error(`${c.name}: ${failed.length} failed, first: ${failed[0]!.outcome.error}`);
      results[c.name] = { ...summarize(load.samples.filter((s) => s.outcome.ok).map((s) => s.ms), failed.length, load.wallMs), page: c.page };
      const r = results[c.name]!;
      console.log(`${c.name.padEnd(36)} p50 ${String(r.p50).padStart(7)} ms  p95 ${String(r.p95).padStart(7)} ms  p99 ${String(r.p99).padStart(7)} ms  n ${r.n}  errors ${r.errors}`);
    }
    const pages = Object.values(results).filter((r) => r.page);
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      dataset: { graves, busiestProvince: busiest, repeat: REPEAT, downloadRepeat: DOWNLOAD_REPEAT, concurrency: CONCURRENCY },
      refreshMs,
      results,
      targets: { ...TARGETS, met: pages.every((r) => r.p95 < TARGETS.pageP95Ms && r.errors === 0) },
    };
    console.log(`targets: ${JSON.stringify(result.targets)}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'coverage.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to bench/results/coverage.json');
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await db.destroy();
  }
});
