/**
 * `npm run bench:lists`: the public list endpoints on the configured database (the 1,000,000-grave
 * set for the real figures): the first page, the deepest page a page number may reach (10,000
 * rows in), pages reached by cursor at the far end of the list (where OFFSET paging took 4 s), and
 * /api/stats, all through a running server. Printed, and written to bench/results/lists.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT_DIR } from '../../server/config.js';
import { encodeCursor, MAX_OFFSET_ROWS } from '../../server/http/paging.schema.js';
import { startServices } from '../../server/portal.js';
import { runMain } from '../../server/setup/run-main.js';
import { runLoad, timedRequest } from './load.js';
import { startServer } from './server-process.js';
import { summarize } from './stats.js';

const CONCURRENCY = 4;
const REPEAT = 200;
const PER_PAGE = 100;
const TARGETS = { p95Ms: 100 };

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
    // Cursors near the end of each list: the pages OFFSET paging made slowest.
    const nearEnd = async (sql: string) => Number((await client.query<{ id: string | null }>(sql)).rows[0]?.id ?? 0);
    const lastMartyrs = await nearEnd(`SELECT id FROM martyrs WHERE is_public ORDER BY id DESC OFFSET ${PER_PAGE * 5} LIMIT 1`);
    const lastGraves = await nearEnd(`SELECT id FROM graves ORDER BY id DESC OFFSET ${PER_PAGE * 5} LIMIT 1`);

    server = await startServer({
      rootDir: ROOT_DIR,
      env: { ...process.env, DATABASE_URL: services.databaseUrl, MEILI_URL: services.meiliUrl, MEILI_MASTER_KEY: services.meiliKey ?? '', MEILI_INDEX: config.meiliIndex, LOG_LEVEL: 'warn', NODE_ENV: process.env.NODE_ENV || 'production' },
    });
    const deepestPage = MAX_OFFSET_ROWS / PER_PAGE;
    const cases: Record<string, string> = {
      'martyrs first page': `/api/martyrs?perPage=${PER_PAGE}`,
      [`martyrs page ${deepestPage}`]: `/api/martyrs?perPage=${PER_PAGE}&page=${deepestPage}`,
      'martyrs by cursor, far end': `/api/martyrs?perPage=${PER_PAGE}&cursor=${encodeCursor(lastMartyrs || 1)}`,
      'graves by cursor, far end': `/api/graves?perPage=${PER_PAGE}&cursor=${encodeCursor(lastGraves || 1)}`,
      'cemeteries first page': `/api/cemeteries?perPage=${PER_PAGE}`,
      'stats': '/api/stats',
    };
    const results: Record<string, ReturnType<typeof summarize>> = {};
    for (const [name, pathAndQuery] of Object.entries(cases)) {
      const items = Array.from({ length: REPEAT }, () => pathAndQuery);
      await runLoad(items.slice(0, 10), CONCURRENCY, (p) => timedRequest(`${server!.url}${p}`));
      const load = await runLoad(items, CONCURRENCY, (p) => timedRequest(`${server!.url}${p}`));
      results[name] = summarize(load.samples.filter((s) => s.outcome.ok).map((s) => s.ms), load.samples.filter((s) => !s.outcome.ok).length, load.wallMs);
      const r = results[name]!;
      console.log(`${name.padEnd(30)} p50 ${String(r.p50).padStart(7)} ms  p95 ${String(r.p95).padStart(7)} ms  p99 ${String(r.p99).padStart(7)} ms  n ${r.n}  errors ${r.errors}`);
    }
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
      dataset: { graves, perPage: PER_PAGE, repeat: REPEAT, concurrency: CONCURRENCY },
      results,
      targets: { ...TARGETS, met: Object.values(results).every((r) => r.p95 < TARGETS.p95Ms && r.errors === 0) },
    };
    console.log(`targets: ${JSON.stringify(result.targets)}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'lists.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to bench/results/lists.json');
  } finally {
    await server?.stop();
    await client.end();
    await services.close();
  }
});
