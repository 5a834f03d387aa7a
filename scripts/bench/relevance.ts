/**
 * `npm run bench:relevance [-- --queries N] [--fallback N] [--seed S] [--skip-reindex] [--concurrency N]`
 *
 * The quick relevance check, meant for the 50,000-grave demo data (`npm run seed -- --graves
 * 50000`, on a database of its own): the index rebuilt, then the benchmark's queries (queries.ts,
 * every kind relatives type, Telex and VNI among them) sent to /api/search of a server running as a
 * child process, and the same queries' first N to the PostgreSQL fallback (search with a
 * Meilisearch that does not answer). Prints the relevance report by kind (relevance-report.ts) and
 * the engine calls per search; writes bench/results/relevance.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ROOT_DIR } from '../../server/config.js';
import { startServices } from '../../server/portal.js';
import { createMeiliClient } from '../../server/search/client.js';
import { reindex } from '../../server/search/reindex.js';
import { searchSchema } from '../../server/search/search.schema.js';
import { search } from '../../server/search/search.service.js';
import { runMain } from '../../server/setup/run-main.js';
import { decodedBody, runLoad, timedRequest } from './load.js';
import { buildQueryList } from './queries.js';
import { engineCalls, relevanceReport, relevanceTable, shares, type Answer } from './relevance-report.js';
import { startServer } from './server-process.js';
import { summarize } from './stats.js';

const RESULTS_FILE = path.join(ROOT_DIR, 'bench', 'results', 'relevance.json');

runMain(async (config, logger) => {
  const { values } = parseArgs({
    options: {
      queries: { type: 'string', default: '1000' },
      fallback: { type: 'string', default: '200' },
      seed: { type: 'string', default: 'liet-si' },
      concurrency: { type: 'string', default: '4' },
      'skip-reindex': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const count = Number(values.queries);
  const fallbackCount = Number(values.fallback);
  const concurrency = Number(values.concurrency);
  for (const [name, n] of [['queries', count], ['fallback', fallbackCount], ['concurrency', concurrency]] as const) {
    if (!Number.isInteger(n) || n < 0) {
      console.error(`--${name} must be a whole number (got "${values[name]}")`);
      process.exitCode = 2;
      return;
    }
  }
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    if (!values['skip-reindex']) {
      const result = await reindex(services.db, services.meili, config.meiliIndex, logger);
      console.log(`reindex: ${result.documents.toLocaleString('en')} documents in ${(result.ms / 1000).toFixed(1)} s`);
    }
    const list = await buildQueryList(services.db, count, values.seed, `bench:relevance, seed "${values.seed}"`);
    console.log(`queries: ${list.count} (${Object.entries(list.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`);

    server = await startServer({
      rootDir: ROOT_DIR,
      env: { ...process.env, MEILI_URL: services.meiliUrl, MEILI_MASTER_KEY: services.meili.config.apiKey ?? '', MEILI_INDEX: config.meiliIndex, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    });
    const { samples, wallMs } = await runLoad(list.queries, concurrency, (q) => timedRequest(`${server!.url}/api/search?q=${encodeURIComponent(q.q)}`));
    const answers = samples.map((s) => (s.outcome.ok ? (JSON.parse(decodedBody(s.outcome).toString('utf8')) as Answer) : undefined));
    const calls = samples.map((s) => engineCalls(s.outcome.serverTiming) ?? 1);
    const report = relevanceReport(list.queries, answers);
    const latency = summarize(samples.filter((s) => s.outcome.ok).map((s) => s.ms), samples.filter((s) => !s.outcome.ok).length, wallMs);
    await server.stop();
    server = undefined;

    // The fallback: the same service, with a Meilisearch that refuses every connection.
    const fallbackQueries = list.queries.slice(0, fallbackCount);
    const deadMeili = createMeiliClient('http://127.0.0.1:9', undefined, 2000);
    const deps = { db: services.db, meili: deadMeili, indexUid: config.meiliIndex, provinces: services.provinces, logger };
    const fallbackMs: number[] = [];
    const fallbackAnswers: Array<Answer | undefined> = new Array(fallbackQueries.length);
    let degraded = 0;
    const fbStarted = performance.now();
    await runLoad(fallbackQueries.map((q, i) => ({ q, i })), concurrency, async ({ q, i }) => {
      const started = performance.now();
      try {
        const response = await search(deps, searchSchema.parse({ q: q.q }));
        if (response.degraded) degraded += 1;
        fallbackAnswers[i] = response as unknown as Answer;
      } catch {
        fallbackAnswers[i] = undefined;
      }
      const ms = performance.now() - started;
      fallbackMs.push(ms);
      return { ms, outcome: { ok: true } };
    });
    const fallbackReport = relevanceReport(fallbackQueries, fallbackAnswers);
    const fallbackLatency = summarize(fallbackMs, 0, performance.now() - fbStarted);

    console.log('');
    console.log(`/api/search relevance, ${list.count} queries (${concurrency} concurrent clients; p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms):`);
    for (const line of relevanceTable(report)) console.log(`  ${line}`);
    const callCounts = new Map<number, number>();
    for (const c of calls) callCounts.set(c, (callCounts.get(c) ?? 0) + 1);
    console.log(`engine calls per search: mean ${(calls.reduce((a, b) => a + b, 0) / Math.max(1, calls.length)).toFixed(2)} (${[...callCounts].sort(([a], [b]) => a - b).map(([c, n]) => `${c}: ${n}`).join(', ')})`);
    console.log('');
    console.log(`PostgreSQL fallback, the first ${fallbackQueries.length} queries (${degraded} answered degraded; p50 ${fallbackLatency.p50.toFixed(0)} ms, p95 ${fallbackLatency.p95.toFixed(0)} ms):`);
    for (const line of relevanceTable(fallbackReport)) console.log(`  ${line}`);

    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          benchmark: 'relevance',
          timestamp: new Date().toISOString(),
          machine: { cpus: os.cpus().length, loadAverage: os.loadavg() },
          queries: { count: list.count, byKind: list.byKind, seed: list.seed },
          search: { latency, relevance: shares(report), engineCalls: Object.fromEntries(callCounts), misses: report.misses },
          fallback: { count: fallbackQueries.length, degraded, latency: fallbackLatency, relevance: shares(fallbackReport), misses: fallbackReport.misses },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written: ${path.relative(ROOT_DIR, RESULTS_FILE)}`);
  } finally {
    await server?.stop().catch(() => undefined);
    await services.close();
  }
});
