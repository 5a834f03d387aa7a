/**
 * `npm run bench:search [-- --min-records N] [--skip-reindex] [--queries N] [--concurrency N]
 * [--warmup N] [--seed S] [--queries-file F] [--fallback N]`
 *
 * Measures search on whatever database the configuration points at (DATABASE_URL or the local
 * default): the full index build (reindex into the live index), then a fixed list of realistic
 * queries with 8 concurrent clients: straight to Meilisearch (the very engine calls the API makes
 * for each query, search.service.ts's followUpQueries included), /api/search, the suggest calls
 * straight to Meilisearch and /api/suggest of a server running as a child process (whose memory
 * is sampled every 100 ms); then the relevance report by kind of query (relevance-report.ts) and
 * the engine calls per API search, and the first N queries through the PostgreSQL fallback.
 * Prints a table and writes bench/results/search.json; the query list goes to
 * bench/results/search-queries.json so runs compare. Missing a target is a measurement, not a
 * failure: the exit code is non-zero only when the benchmark itself could not run (or more than
 * 1% of a phase's requests failed).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, ROOT_DIR, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startServices, type Services } from '../../server/portal.js';
import { createMeiliClient } from '../../server/search/client.js';
import { buildEngineQuery } from '../../server/search/meili-query.js';
import { likelyMiddleNames } from '../../server/search/middle-names.js';
import { typedName } from '../../server/search/name-match.js';
import { followUpQueries, isBareName, rerankByDiacritics, search as apiSearch, SUGGEST_PARAMS } from '../../server/search/search.service.js';
import { analyseQuery } from '../../server/search/query-text.js';
import { reindex, type ReindexResult } from '../../server/search/reindex.js';
import { searchSchema } from '../../server/search/search.schema.js';
import { SetupError } from '../../server/setup/setup-error.js';
import { hasDiacritics } from '../../server/text/vietnamese.js';
import { cpuWindow } from './cpu.js';
import { decodedBody, runLoad, timedRequest, type Outcome, type Sample } from './load.js';
import { buildQueryList, type BenchQuery, type QueryList } from './queries.js';
import { engineCalls as engineCallsOf, relevanceReport, relevanceTable, shares, type Answer } from './relevance-report.js';
import { findMeiliPid, MemorySampler, startServer, type ServerUnderTest } from './server-process.js';
import { ratio, round, summarize, type LatencySummary } from './stats.js';

const USAGE =
  'usage: npm run bench:search -- [--min-records N] [--skip-reindex] [--queries N] [--concurrency N] [--warmup N] [--seed S] [--queries-file F] [--fallback N]';
const RESULTS_DIR = path.join(ROOT_DIR, 'bench', 'results');
const RESULTS_FILE = path.join(RESULTS_DIR, 'search.json');
const QUERIES_FILE = path.join(RESULTS_DIR, 'search-queries.json');
/** A phase with more failed requests than this share makes the run exit non-zero. */
const MAX_ERROR_SHARE = 0.01;
/** Above this share of the machine's CPU used by other processes during a phase, the run warns. */
const FOREIGN_CPU_WARNING = 0.1;

const TARGETS = {
  searchP95Ms: 50,
  searchVsDirectP95: 1.5,
  suggestP95Ms: 30,
  reindexMs: 600_000,
  reindexRecords: 1_000_000,
  // Issue 14: the API's own time over the same engine calls made directly, and relevance.
  overheadP50Ms: 5,
  overheadP95Ms: 10,
  typoFirstHit: 0.98,
  foldedFirstHit: 0.99,
  exactFirstHit: 0.99,
  provinceYearTop3: 0.98,
  familyGivenFirstPage: 0.6,
};

type Options = {
  minRecords: number;
  skipReindex: boolean;
  queries: number;
  concurrency: number;
  warmup: number;
  seed: string;
  queriesFile: string | undefined;
  fallback: number;
};

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d[\d_,]*$/.test(value)) usageError(`--${name} must be a whole number (got "${value}")`);
  const n = Number(value.replace(/[_,]/g, ''));
  if (n < min) usageError(`--${name} must be at least ${min} (got ${value})`);
  return n;
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'min-records': { type: 'string' },
        'skip-reindex': { type: 'boolean', default: false },
        queries: { type: 'string' },
        concurrency: { type: 'string' },
        warmup: { type: 'string' },
        seed: { type: 'string' },
        'queries-file': { type: 'string' },
        fallback: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError((error as Error).message.split('\n')[0]!);
  }
  return {
    minRecords: wholeNumber('min-records', values['min-records'], 1_000_000, 0),
    skipReindex: values['skip-reindex'] ?? false,
    queries: wholeNumber('queries', values.queries, 1200, 1),
    concurrency: wholeNumber('concurrency', values.concurrency, 8, 1),
    warmup: wholeNumber('warmup', values.warmup, 500, 0),
    seed: values.seed?.trim() || 'liet-si',
    queriesFile: values['queries-file'],
    fallback: wholeNumber('fallback', values.fallback, 60, 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const int = (n: number) => n.toLocaleString('en');
const say = (line: string) => console.log(line);

/** The database URL without its password. */
function redactedUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(value, null, 2)}\n`);
  await rename(partial, file);
}

type Dataset = {
  martyrs: number;
  publicMartyrs: number;
  graves: number;
  gravesWithoutIdentifiedMartyr: number;
  cemeteries: number;
  photos: number;
  /** What search covers: public martyrs and the graves with no or partial identity (one document each). */
  searchableRecords: number;
  databaseBytes: number;
  outboxPending: number;
  indexDocuments?: number;
  indexBytes?: number;
};

async function datasetCounts(services: Services): Promise<Dataset> {
  const { rows } = await services.db.raw<{ rows: Record<string, string>[] }>(`
    SELECT (SELECT count(*) FROM martyrs) AS martyrs,
           (SELECT count(*) FROM martyrs WHERE is_public) AS public_martyrs,
           (SELECT count(*) FROM graves) AS graves,
           (SELECT count(*) FROM graves WHERE state <> 'identified') AS unidentified,
           (SELECT count(*) FROM cemeteries) AS cemeteries,
           (SELECT count(*) FROM photos) AS photos,
           (SELECT count(*) FROM search_outbox WHERE processed_at IS NULL) AS outbox,
           pg_database_size(current_database()) AS bytes`);
  const r = rows[0]!;
  const n = (k: string) => Number(r[k] ?? 0);
  return {
    martyrs: n('martyrs'),
    publicMartyrs: n('public_martyrs'),
    graves: n('graves'),
    gravesWithoutIdentifiedMartyr: n('unidentified'),
    cemeteries: n('cemeteries'),
    photos: n('photos'),
    searchableRecords: n('public_martyrs') + n('unidentified'),
    databaseBytes: n('bytes'),
    outboxPending: n('outbox'),
  };
}

type MeiliHttp = { url: string; key: string | undefined };

async function meiliGet<T>(meili: MeiliHttp, pathname: string): Promise<T> {
  const response = await fetch(`${meili.url}${pathname}`, {
    headers: meili.key ? { Authorization: `Bearer ${meili.key}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`Meilisearch ${pathname}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Waits until nothing is being indexed: no pending outbox rows (the server under test drains them)
 * and no Meilisearch task enqueued or processing. Stops with an error when nothing moves for 3 minutes.
 */
async function waitForQuiet(services: Services, meili: MeiliHttp, label: string): Promise<number> {
  const started = Date.now();
  let lastChange = Date.now();
  let lastPending = Number.POSITIVE_INFINITY;
  let lastReport = 0;
  for (;;) {
    const { rows } = await services.db.raw<{ rows: { n: string }[] }>('SELECT count(*) AS n FROM search_outbox WHERE processed_at IS NULL');
    const pending = Number(rows[0]?.n ?? 0);
    const tasks = await meiliGet<{ total?: number; results: unknown[] }>(meili, '/tasks?statuses=enqueued,processing&limit=1');
    const busy = tasks.total ?? tasks.results.length;
    if (pending === 0 && busy === 0) return Date.now() - started;
    if (pending < lastPending) {
      lastPending = pending;
      lastChange = Date.now();
    }
    if (busy > 0) lastChange = Math.max(lastChange, Date.now() - 1);
    if (Date.now() - lastChange > 180_000) {
      throw new Error(`${label}: ${int(pending)} search outbox rows stay pending and Meilisearch is idle; is the server's outbox drain failing? (see [server] lines above)`);
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      say(`  waiting for indexing to finish before ${label}: ${int(pending)} outbox rows pending, ${int(busy)} Meilisearch tasks (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

type Check = {
  /** The source record is among the results (first page of /api/search, suggestions). */
  found?: (body: Buffer, query: BenchQuery) => boolean;
  empty: (body: Buffer) => boolean;
  degraded?: (body: Buffer) => boolean;
  /** The time the answering service says it spent (Meilisearch processingTimeMs, the API's tookMs). */
  reported?: { field: string; read: (body: Buffer) => number | undefined };
  /** Receives the phase's samples (the relevance report and the engine calls are made from them). */
  keep?: (samples: Sample[]) => void;
};

/** A number field of a JSON body, found without parsing the whole of it. */
const numberField = (field: string) => (body: Buffer) => {
  const match = new RegExp(`"${field}":(\\d+(?:\\.\\d+)?)`).exec(body.toString('utf8'));
  return match ? Number(match[1]) : undefined;
};

type PhaseResult = LatencySummary & {
  /** Requests whose answer held no hit at all. */
  empty: number;
  /** Share of requests whose source record came back, when it applies. */
  foundShare: number | null;
  /** Answers from the PostgreSQL fallback (Meilisearch did not answer the server in time). */
  degraded: number | null;
  meanResponseBytes: number;
  /** As sent over the wire: compressed when the server compressed it. */
  meanTransferBytes: number;
  /** Percentiles of the time the service itself reported: the rest of the latency is HTTP, queueing and the client. */
  reportedMs: { field: string; p50: number; p95: number; p99: number; mean: number } | null;
  /** foundShare: how often the record a query was built from is among the answers. */
  byKind: Record<string, { n: number; p50: number; p95: number; empty: number; foundShare: number | null }>;
  /** Share of the machine's CPU that other processes used while this phase was measured (0-1). */
  foreignCpuShare: number | null;
  slowest: Array<{ ms: number; kind: string; q: string }>;
  errorExamples: string[];
};

function analysePhase(queries: readonly BenchQuery[], samples: Sample[], wallMs: number, check: Check): Omit<PhaseResult, 'foreignCpuShare'> {
  const ok = samples.filter((s) => s.outcome.ok);
  const failed = samples.filter((s) => !s.outcome.ok);
  const summary = summarize(
    ok.map((s) => s.ms),
    failed.length,
    wallMs,
  );
  const bodyOf = (s: Sample) => decodedBody(s.outcome);
  const empty = ok.filter((s) => check.empty(bodyOf(s))).length;
  const found = check.found ? ok.filter((s) => check.found!(bodyOf(s), queries[s.index]!)).length : null;
  const degraded = check.degraded ? ok.filter((s) => check.degraded!(bodyOf(s))).length : null;
  const byKind: PhaseResult['byKind'] = {};
  const kinds = [...new Set(queries.map((q) => q.kind))].sort();
  for (const kind of kinds) {
    const of = ok.filter((s) => queries[s.index]!.kind === kind);
    const k = summarize(
      of.map((s) => s.ms),
      0,
      1,
    );
    const foundOf = check.found ? of.filter((s) => check.found!(bodyOf(s), queries[s.index]!)).length : null;
    byKind[kind] = {
      n: of.length,
      p50: k.p50,
      p95: k.p95,
      empty: of.filter((s) => check.empty(bodyOf(s))).length,
      foundShare: foundOf === null || !of.length ? null : round(foundOf / of.length, 3),
    };
  }
  let reportedMs: PhaseResult['reportedMs'] = null;
  if (check.reported) {
    const values = ok.map((s) => check.reported!.read(bodyOf(s))).filter((v): v is number => v !== undefined);
    const r = summarize(values, 0, 1);
    reportedMs = { field: check.reported.field, p50: r.p50, p95: r.p95, p99: r.p99, mean: r.mean };
  }
  const slowest = [...ok]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 10)
    .map((s) => ({ ms: round(s.ms), kind: queries[s.index]!.kind, q: queries[s.index]!.q }));
  return {
    ...summary,
    empty,
    foundShare: found === null || !ok.length ? null : round(found / ok.length, 3),
    degraded,
    meanResponseBytes: ok.length ? Math.round(ok.reduce((a, s) => a + bodyOf(s).length, 0) / ok.length) : 0,
    meanTransferBytes: ok.length ? Math.round(ok.reduce((a, s) => a + (s.outcome.body?.length ?? 0), 0) / ok.length) : 0,
    reportedMs,
    byKind,
    slowest,
    errorExamples: [...new Set(failed.map((s) => `${s.outcome.error ?? 'error'}${s.outcome.body ? `: ${decodedBody(s.outcome).toString('utf8').slice(0, 200)}` : ''}`))].slice(0, 5),
  };
}

async function runPhase(
  name: string,
  queries: readonly BenchQuery[],
  warmUp: readonly BenchQuery[],
  options: Options,
  samplers: MemorySampler[],
  send: (query: BenchQuery) => Promise<{ ms: number; outcome: Outcome }>,
  check: Check,
): Promise<PhaseResult> {
  for (const s of samplers) s.enter(`${name} warm-up`);
  if (warmUp.length) await runLoad(warmUp, options.concurrency, send);
  for (const s of samplers) s.enter(name);
  const cpu = await cpuWindow([process.pid, ...samplers.map((s) => s.pid)]);
  const { samples, wallMs } = await runLoad(queries, options.concurrency, send);
  const foreignCpuShare = await cpu.foreignShare();
  for (const s of samplers) s.enter('idle');
  check.keep?.(samples);
  const result = { ...analysePhase(queries, samples, wallMs, check), foreignCpuShare };
  say(
    `  ${name}: ${int(result.n)} requests in ${fmt(wallMs / 1000)} s, p50 ${fmt(result.p50)} ms, p95 ${fmt(result.p95)} ms, ${int(result.errors)} errors` +
      (foreignCpuShare === null ? '' : `; other processes used ${fmt(foreignCpuShare * 100, 0)}% of the CPU`),
  );
  return result;
}

// ---------------------------------------------------------------------------------------------

async function loadQueries(file: string): Promise<QueryList> {
  const list = JSON.parse(await readFile(file, 'utf8')) as QueryList;
  if (!Array.isArray(list.queries) || !list.queries.every((q) => typeof q.q === 'string' && typeof q.suggest === 'string')) {
    throw new SetupError(`${file} is not a query list written by this benchmark`);
  }
  return list;
}

async function main(options: Options, config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const startedAt = new Date();
  const databaseLabel = `${redactedUrl(config.databaseUrl)}${config.databaseIsLocalDefault ? ' (the default local database; set DATABASE_URL for another)' : ' (DATABASE_URL)'}`;
  // npm sets npm_lifecycle_event to the script's name: `npm run bench` runs this one for now.
  say(`Search benchmark on ${databaseLabel}`);

  const services = await startServices(config, logger, { reuseRunningMeili: true });
  let server: ServerUnderTest | undefined;
  let meiliSampler: MemorySampler | undefined;
  const cleanup = async () => {
    await server?.stop().catch(() => undefined);
    await meiliSampler?.stop();
    await services.close().catch(() => undefined);
  };
  const onSignal = () => {
    say('interrupted: stopping the server under test');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const meili: MeiliHttp = { url: services.meiliUrl, key: services.meili.config.apiKey };
    const meiliOwn = services.meiliProcess ? 'started by this benchmark' : config.meiliUrl ? 'MEILI_URL' : 'the running one of this checkout';
    const version = await meiliGet<{ pkgVersion: string }>(meili, '/version');
    say(`Meilisearch ${version.pkgVersion} at ${meili.url} (${meiliOwn}), index "${config.meiliIndex}"`);

    const before = await datasetCounts(services);
    say(
      `records: ${int(before.searchableRecords)} searchable (${int(before.publicMartyrs)} public martyrs of ${int(before.martyrs)}, ` +
        `${int(before.gravesWithoutIdentifiedMartyr)} graves without an identified martyr of ${int(before.graves)}), ${int(before.cemeteries)} cemeteries`,
    );
    if (before.searchableRecords < options.minRecords) {
      console.error(
        `Refusing: ${redactedUrl(config.databaseUrl)} holds ${int(before.searchableRecords)} searchable records, fewer than --min-records ${int(options.minRecords)} ` +
          `(load 1M with \`npm run seed -- --graves 1000000 --reset\`, or pass --min-records 0 for a quick run).`,
      );
      return 1;
    }
    if (before.publicMartyrs === 0) throw new SetupError('the database has no public martyrs: there is nothing to build queries from');

    // 1. The index build.
    let reindexResult: (ReindexResult & { progress: Array<{ s: number; documents: number }> }) | null = null;
    if (options.skipReindex) {
      say('reindex: skipped (--skip-reindex)');
    } else {
      say(`reindex: rebuilding "${config.meiliIndex}" from PostgreSQL (${int(before.searchableRecords)} documents)...`);
      const progress: Array<{ s: number; documents: number }> = [];
      const t0 = Date.now();
      let lastReport = 0;
      const result = await reindex(services.db, services.meili, config.meiliIndex, logger, (documents) => {
        const s = (Date.now() - t0) / 1000;
        if (s - lastReport >= 10) {
          lastReport = s;
          progress.push({ s: round(s, 1), documents });
          say(`  ${int(documents)} documents sent (${fmt(s)} s, ${int(Math.round(documents / s))} docs/s)`);
        }
      });
      reindexResult = { ...result, progress };
      say(`reindex: ${int(result.documents)} documents in ${fmt(result.ms / 1000)} s = ${int(result.docsPerSecond)} docs/s`);
    }
    const stats = await services.meili.index(config.meiliIndex).getStats();
    const dataset: Dataset = { ...before, indexDocuments: stats.numberOfDocuments, indexBytes: stats.rawDocumentDbSize };
    if (!stats.numberOfDocuments) throw new SetupError(`the index "${config.meiliIndex}" is empty: run without --skip-reindex`);

    // 2. The query list.
    let list: QueryList;
    if (options.queriesFile) {
      list = await loadQueries(path.resolve(options.queriesFile));
      say(`queries: ${int(list.count)} from ${options.queriesFile}`);
    } else {
      list = await buildQueryList(services.db, options.queries, options.seed, `${int(before.publicMartyrs)} public martyrs, every k-th by id, seed "${options.seed}"`);
      await writeJson(QUERIES_FILE, list);
      say(`queries: ${int(list.count)} (${Object.entries(list.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}) written to ${path.relative(ROOT_DIR, QUERIES_FILE)}`);
    }
    // Warm-up queries come from their own list (another seed), so no measured query has been seen
    // before: what the warm-up brings is a server past its first requests (compiled code, open
    // connections), not answers it has already given.
    const warmUp = options.warmup ? (await buildQueryList(services.db, options.warmup, `${options.seed}-warm-up`, 'warm-up')).queries : [];
    if (list.count < 1000) say(`  note: fewer than 1,000 queries (${list.count}); the issue asks for at least 1,000`);
    const queries = list.queries;

    // 3. The server under test, as a child process.
    const meiliPid = services.meiliProcess?.pid ?? (config.meiliUrl ? undefined : await findMeiliPid(config.dataDir));
    meiliSampler = meiliPid ? new MemorySampler(meiliPid).start() : undefined;
    const serverEnv: NodeJS.ProcessEnv = {
      ...process.env,
      MEILI_URL: meili.url,
      MEILI_MASTER_KEY: meili.key ?? '',
      MEILI_INDEX: config.meiliIndex,
      LOG_LEVEL: 'warn',
      NODE_ENV: process.env.NODE_ENV || 'production',
      // The demo loader of `npm start` is not involved: server/main.ts only serves.
    };
    const serverStarted = Date.now();
    server = await startServer({ rootDir: ROOT_DIR, env: serverEnv });
    const rssAfterReadyMb = Math.round(server.memory.lastRssKb / 102.4) / 10;
    say(`server under test: pid ${server.pid} at ${server.url}, ready in ${fmt((Date.now() - serverStarted) / 1000)} s (NODE_ENV=${serverEnv.NODE_ENV}, RSS ${fmt(rssAfterReadyMb)} MB)`);

    // Changes still in the outbox (a seed writes one row per record) are drained by the server;
    // they must be indexed before measuring, or the load competes with indexing.
    const settleMs = await waitForQuiet(services, meili, 'the load');
    if (settleMs > 1000) say(`  indexing settled after ${fmt(settleMs / 1000)} s`);

    // 4. Load: straight to Meilisearch, then /api/search, then /api/suggest.
    say(`load: ${int(queries.length)} queries per phase, ${options.concurrency} concurrent client${options.concurrency === 1 ? '' : 's'}, ${int(warmUp.length)} warm-up requests first (not counted; queries of their own, seed "${options.seed}-warm-up")`);
    const samplers = [server.memory, ...(meiliSampler ? [meiliSampler] : [])];
    // Uncompressed, as the server's own client asks (server/search/client.ts): compressed answers
    // come back about 40 ms later, which would measure the encoding and not the search.
    const headers = { 'Content-Type': 'application/json', 'Accept-Encoding': 'identity', ...(meili.key ? { Authorization: `Bearer ${meili.key}` } : {}) };
    type Plan = { first: string; last: string; request: ReturnType<typeof searchSchema.parse>; analysed: ReturnType<typeof analyseQuery>; engine: ReturnType<typeof buildEngineQuery>; multiWord: boolean };
    const plans = new Map<BenchQuery, Plan>();
    const suggestBodies = new Map<BenchQuery, { all: string; last: string; multiWord: boolean }>();
    for (const query of [...queries, ...warmUp]) {
      // What search.service.ts does before it calls Meilisearch: the same text, filters, facets
      // (the namesake facets of a bare name), limit (the re-rank window when diacritics are typed),
      // ranking score and locales, every word required first.
      const request = searchSchema.parse({ q: query.q });
      const analysed = analyseQuery(request.q, services.provinces);
      const engine = buildEngineQuery(request, analysed.text, undefined, hasDiacritics(analysed.nameText), isBareName(request, analysed));
      const body = (strategy: 'all' | 'last') => JSON.stringify({ q: engine.q, ...engine.params, matchingStrategy: strategy });
      plans.set(query, { first: body('all'), last: body('last'), request, analysed, engine, multiWord: engine.q.trim().includes(' ') });
      const typed = analyseQuery(query.suggest, services.provinces).text;
      const suggestBody = (strategy: 'all' | 'last') => JSON.stringify({ q: typed, ...SUGGEST_PARAMS, matchingStrategy: strategy });
      suggestBodies.set(query, { all: suggestBody('all'), last: suggestBody('last'), multiWord: typed.trim().includes(' ') });
    }
    // The middle name counts the family + given name step reads (the server under test reads its own at start).
    await likelyMiddleNames(services.db, '');
    const searchUrl = `${meili.url}/indexes/${encodeURIComponent(config.meiliIndex)}/search`;
    const multiSearchUrl = `${meili.url}/multi-search`;
    const martyrHit = (body: Buffer, q: BenchQuery) => body.includes(`"kind":"martyr","id":${q.martyrId},`);
    const post = (url: string, body: string) => timedRequest(url, { method: 'POST', headers, body });
    /** The engine calls the API makes for a query, made straight to Meilisearch, one after the other as the API does. */
    const directSearch = async (query: BenchQuery) => {
      const plan = plans.get(query)!;
      const started = performance.now();
      let calls = 1;
      let answer = await post(searchUrl, plan.first);
      if (!answer.outcome.ok) return answer;
      let parsed = JSON.parse(answer.outcome.body!.toString('utf8')) as { hits: Parameters<typeof rerankByDiacritics>[0] };
      if (!parsed.hits.length && plan.multiWord) {
        calls += 1;
        answer = await post(searchUrl, plan.last);
        if (!answer.outcome.ok) return answer;
        parsed = JSON.parse(answer.outcome.body!.toString('utf8')) as typeof parsed;
      }
      const docs = plan.engine.rerank ? rerankByDiacritics(parsed.hits, plan.analysed.nameText) : parsed.hits;
      const name = typedName(plan.analysed.nameText, true);
      const middles = name.words.length === 2 && isBareName(plan.request, plan.analysed) ? await likelyMiddleNames(services.db, name.words[1]!) : undefined;
      const followUp = followUpQueries(plan.request, plan.engine, plan.analysed, name, docs, middles);
      if (followUp?.queries.length) {
        calls += 1;
        const more = await post(multiSearchUrl, JSON.stringify({ queries: followUp.queries.map((c) => ({ indexUid: config.meiliIndex, q: c.q, ...c.params })) }));
        if (!more.outcome.ok) return more;
      }
      return { ms: performance.now() - started, outcome: { ...answer.outcome, calls } };
    };
    const directSuggest = async (query: BenchQuery) => {
      const bodies = suggestBodies.get(query)!;
      const started = performance.now();
      const answer = await post(searchUrl, bodies.all);
      if (answer.outcome.ok && bodies.multiWord && answer.outcome.body!.includes('"hits":[]')) {
        const again = await post(searchUrl, bodies.last);
        return { ms: performance.now() - started, outcome: { ...again.outcome, calls: 2 } };
      }
      return { ms: performance.now() - started, outcome: { ...answer.outcome, calls: 1 } };
    };

    let searchSamples: Sample[] = [];
    let directSamples: Sample[] = [];
    const direct = await runPhase(
      'direct Meilisearch search',
      queries,
      warmUp,
      options,
      samplers,
      directSearch,
      { empty: (body) => body.includes('"hits":[]'), reported: { field: 'processingTimeMs', read: numberField('processingTimeMs') }, keep: (s) => (directSamples = s) },
    );
    await waitForQuiet(services, meili, '/api/search');
    const search = await runPhase(
      '/api/search',
      queries,
      warmUp,
      options,
      samplers,
      (query) => timedRequest(`${server!.url}/api/search?q=${encodeURIComponent(query.q)}`),
      {
        empty: (body) => body.includes('"hits":[]'),
        found: martyrHit,
        degraded: (body) => body.includes('"degraded":true'),
        reported: { field: 'tookMs', read: numberField('tookMs') },
        keep: (s) => (searchSamples = s),
      },
    );
    await waitForQuiet(services, meili, 'direct suggest');
    const directSuggestPhase = await runPhase('direct Meilisearch suggest', queries, warmUp, options, samplers, directSuggest, { empty: (body) => body.includes('"hits":[]') });
    await waitForQuiet(services, meili, '/api/suggest');
    const suggest = await runPhase(
      '/api/suggest',
      queries,
      warmUp,
      options,
      samplers,
      (query) => timedRequest(`${server!.url}/api/suggest?q=${encodeURIComponent(query.suggest)}`),
      { empty: (body) => body.includes('"suggestions":[]'), found: martyrHit, degraded: (body) => body.includes('"degraded":true') },
    );

    const exit = await server.stop();
    await meiliSampler?.stop();

    // Relevance by kind, from the /api/search answers; engine calls per search, both ways.
    const answers = searchSamples.map((s) => (s.outcome.ok ? (JSON.parse(decodedBody(s.outcome).toString('utf8')) as Answer) : undefined));
    const relevance = relevanceReport(queries, answers);
    const callsOf = (samples: Sample[], read: (s: Sample) => number | undefined) => {
      const counts: Record<string, number> = {};
      let sum = 0;
      for (const s of samples) {
        const n = read(s) ?? 1;
        counts[n] = (counts[n] ?? 0) + 1;
        sum += n;
      }
      return { mean: round(sum / Math.max(1, samples.length), 3), counts };
    };
    const apiCalls = callsOf(searchSamples, (s) => engineCallsOf(s.outcome.serverTiming));
    const directCalls = callsOf(directSamples, (s) => s.outcome.calls);

    // The fallback: the same service in this process, with a Meilisearch that refuses every connection.
    const fallbackQueries = queries.slice(0, options.fallback);
    const deadDeps = { db: services.db, meili: createMeiliClient('http://127.0.0.1:9', undefined, 2000), indexUid: config.meiliIndex, provinces: services.provinces, logger };
    const fallbackAnswers: Array<Answer | undefined> = [];
    const fallbackMs: number[] = [];
    const fallbackStarted = performance.now();
    await runLoad(
      fallbackQueries.map((q, i) => ({ q, i })),
      Math.min(4, options.concurrency),
      async ({ q, i }) => {
        const t0 = performance.now();
        try {
          fallbackAnswers[i] = (await apiSearch(deadDeps, searchSchema.parse({ q: q.q }))) as unknown as Answer;
        } catch {
          fallbackAnswers[i] = undefined;
        }
        const ms = performance.now() - t0;
        fallbackMs.push(ms);
        return { ms, outcome: { ok: true } };
      },
    );
    const fallback = { n: fallbackQueries.length, latency: summarize(fallbackMs, 0, performance.now() - fallbackStarted), relevance: relevanceReport(fallbackQueries, fallbackAnswers) };
    const serverPeakMb = server.memory.peakMb();
    const peakByPhaseMb = Object.fromEntries(Object.entries(server.memory.peakRssKbByPhase).map(([k, v]) => [k, Math.round(v / 102.4) / 10]));
    // Start-up includes draining the outbox, which can cost far more memory than answering searches.
    const peakDuringLoadMb = Math.max(0, ...Object.entries(peakByPhaseMb).filter(([k]) => k !== 'start-up').map(([, v]) => v));

    // 5. Results.
    const ratios = { searchP50: ratio(search.p50, direct.p50), searchP95: ratio(search.p95, direct.p95), searchP99: ratio(search.p99, direct.p99) };
    // The API's own time: its latency minus that of the same engine calls made directly, same run.
    const overhead = {
      searchP50: round(search.p50 - direct.p50),
      searchP95: round(search.p95 - direct.p95),
      suggestP50: round(suggest.p50 - directSuggestPhase.p50),
      suggestP95: round(suggest.p95 - directSuggestPhase.p95),
    };
    const kindShare = (kind: string, field: 'firstHitRightName' | 'recordTop3' | 'fullNameFirstPage') => {
      const k = relevance.byKind[kind];
      return k && k.n ? round(k[field] / k.n, 3) : null;
    };
    const share = (kind: string, field: 'firstHitRightName' | 'recordTop3' | 'fullNameFirstPage', min: number, name: string) => {
      const measured = kindShare(kind, field);
      return { name, measured: measured === null ? null : round(measured * 100, 1), unit: '%', pass: measured === null ? null : measured >= min };
    };
    const reindexApplies = dataset.searchableRecords >= TARGETS.reindexRecords;
    const targets = [
      { name: 'API search overhead over direct, p50 ≤ 5 ms', measured: overhead.searchP50, unit: 'ms', pass: overhead.searchP50 <= TARGETS.overheadP50Ms },
      { name: 'API search overhead over direct, p95 ≤ 10 ms', measured: overhead.searchP95, unit: 'ms', pass: overhead.searchP95 <= TARGETS.overheadP95Ms },
      { name: 'API suggest overhead over direct, p50 ≤ 5 ms', measured: overhead.suggestP50, unit: 'ms', pass: overhead.suggestP50 <= TARGETS.overheadP50Ms },
      { name: 'API suggest overhead over direct, p95 ≤ 10 ms', measured: overhead.suggestP95, unit: 'ms', pass: overhead.suggestP95 <= TARGETS.overheadP95Ms },
      share('typo', 'firstHitRightName', TARGETS.typoFirstHit, 'one typo: first hit right name ≥ 98%'),
      share('folded', 'firstHitRightName', TARGETS.foldedFirstHit, 'without diacritics: first hit right name ≥ 99%'),
      share('diacritics', 'firstHitRightName', TARGETS.exactFirstHit, 'exact: first hit right name ≥ 99%'),
      share('name+province+year', 'recordTop3', TARGETS.provinceYearTop3, 'name + province + year: record in top 3 ≥ 98%'),
      share('family+given', 'fullNameFirstPage', TARGETS.familyGivenFirstPage, 'family + given: full name on page 1 ≥ 60%'),
      { name: 'API search p95 < 50 ms', measured: search.p95, unit: 'ms', pass: search.p95 < TARGETS.searchP95Ms },
      { name: 'API search p95 ≤ 1.5 × direct Meilisearch p95', measured: ratios.searchP95, unit: '×', pass: ratios.searchP95 !== null && ratios.searchP95 <= TARGETS.searchVsDirectP95 },
      { name: 'suggest p95 < 30 ms', measured: suggest.p95, unit: 'ms', pass: suggest.p95 < TARGETS.suggestP95Ms },
      {
        name: 'full reindex of 1M records < 10 min',
        measured: reindexResult ? round(reindexResult.ms / 1000, 1) : null,
        unit: 's',
        pass: reindexResult ? reindexResult.ms < TARGETS.reindexMs : null,
        ...(reindexApplies || !reindexResult ? {} : { note: `measured on ${int(dataset.searchableRecords)} records, not 1M: the target does not apply to this run` }),
        ...(reindexResult ? {} : { note: '--skip-reindex' }),
      },
    ];
    const busy = [direct, search, suggest].some((p) => (p.foreignCpuShare ?? 0) > FOREIGN_CPU_WARNING);
    const phaseErrors = [direct, search, suggest].filter((p) => p.errors > p.n * MAX_ERROR_SHARE);

    const results = {
      benchmark: 'search',
      timestamp: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        totalMemoryGb: round(os.totalmem() / 1024 ** 3, 1),
        os: `${os.type()} ${os.release()}`,
        node: process.version,
        note: 'the load generator, the server under test, Meilisearch and PostgreSQL share this machine',
        otherWorkDuringLoad: busy,
      },
      database: { url: redactedUrl(config.databaseUrl), localDefault: config.databaseIsLocalDefault },
      meilisearch: { url: meili.url, version: version.pkgVersion, index: config.meiliIndex, startedBy: meiliOwn },
      options: { ...options, queriesFile: options.queriesFile ?? null },
      dataset,
      reindex: reindexResult
        ? { ms: reindexResult.ms, docsPerSecond: reindexResult.docsPerSecond, documents: reindexResult.documents, martyrs: reindexResult.martyrs, graves: reindexResult.graves, progress: reindexResult.progress }
        : null,
      queries: { file: options.queriesFile ?? path.relative(ROOT_DIR, QUERIES_FILE), count: list.count, byKind: list.byKind, seed: list.seed },
      load: {
        concurrency: options.concurrency,
        warmup: options.warmup,
        warmUpQueries: `a list of its own before each phase, not measured: seed "${options.seed}-warm-up"`,
        client: 'undici request, keep-alive, Accept-Encoding "gzip, deflate, br" (identity straight to Meilisearch, as the server asks)',
        order: ['direct', 'search', 'suggest'],
        latency: 'ms from just before the request to the last byte of the body; percentiles by nearest rank over successful requests',
        settledBeforeLoadMs: settleMs,
      },
      search,
      suggest,
      direct,
      directSuggest: directSuggestPhase,
      ratios,
      overheadMs: overhead,
      engineCallsPerSearch: { api: apiCalls, direct: directCalls },
      relevance: { byKind: shares(relevance), misses: relevance.misses.slice(0, 200) },
      fallback: { n: fallback.n, latency: fallback.latency, relevance: shares(fallback.relevance) },
      server: {
        pid: server.pid,
        peakRssMb: serverPeakMb,
        peakRssMbDuringLoad: peakDuringLoadMb,
        rssAfterReadyMb,
        peakRssMbByPhase: peakByPhaseMb,
        logLines: server.logCounts,
        exit,
      },
      meiliPeakRssMb: meiliSampler ? meiliSampler.peakMb() : null,
      targets,
    };
    await writeJson(RESULTS_FILE, results);

    // The table.
    say('');
    say(`Search benchmark — ${int(dataset.searchableRecords)} searchable records (${int(dataset.martyrs)} martyrs, ${int(dataset.graves)} graves), ${int(dataset.indexDocuments ?? 0)} documents in the index`);
    say(`machine: ${results.machine.cpus} CPUs, ${results.machine.totalMemoryGb} GB; ${options.concurrency} concurrent client${options.concurrency === 1 ? '' : 's'}; ${int(list.count)} queries`);
    if (reindexResult) say(`index build: ${fmt(reindexResult.ms / 1000)} s, ${int(reindexResult.docsPerSecond)} documents/s`);
    say('');
    const header = ['', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms', 'req/s', 'errors', 'empty', 'found'];
    const rows = [
      ['direct Meilisearch', direct],
      ['/api/search', search],
      ['direct suggest', directSuggestPhase],
      ['/api/suggest', suggest],
    ] as const;
    const table = [
      header,
      ...rows.map(([label, r]) => [
        label,
        int(r.n),
        fmt(r.p50, 2),
        fmt(r.p95, 2),
        fmt(r.p99, 2),
        fmt(r.mean, 2),
        fmt(r.throughput),
        int(r.errors),
        int(r.empty),
        r.foundShare === null ? '–' : `${fmt(r.foundShare * 100, 0)}%`,
      ]),
    ];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) say(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
    say(
      `/api/search, the record a query was built from on the first page, by kind: ` +
        Object.entries(search.byKind).map(([kind, k]) => `${kind} ${k.foundShare === null ? '–' : `${fmt(k.foundShare * 100, 0)}%`}`).join(', '),
    );
    say(`API overhead over the same engine calls made directly: search p50 ${fmt(overhead.searchP50)} / p95 ${fmt(overhead.searchP95)} ms, suggest p50 ${fmt(overhead.suggestP50)} / p95 ${fmt(overhead.suggestP95)} ms`);
    say(`engine calls per search: API ${fmt(apiCalls.mean, 3)} (${Object.entries(apiCalls.counts).map(([n, c]) => `${n}: ${c}`).join(', ')}), direct ${fmt(directCalls.mean, 3)}`);
    say('');
    say(`relevance of /api/search by kind of query (${int(queries.length)} queries):`);
    for (const line of relevanceTable(relevance)) say(`  ${line}`);
    say(`PostgreSQL fallback, the first ${fallback.n} queries: p50 ${fmt(fallback.latency.p50, 0)} ms, p95 ${fmt(fallback.latency.p95, 0)} ms`);
    for (const line of relevanceTable(fallback.relevance)) say(`  ${line}`);
    say('');
    if (direct.reportedMs && search.reportedMs) {
      say(
        `time the services report: Meilisearch processingTimeMs p50 ${fmt(direct.reportedMs.p50)} / p95 ${fmt(direct.reportedMs.p95)} ms; ` +
          `the API's tookMs p50 ${fmt(search.reportedMs.p50)} / p95 ${fmt(search.reportedMs.p95)} ms`,
      );
    }
    say(`API search / direct Meilisearch: p50 ${fmt(ratios.searchP50, 2)}×, p95 ${fmt(ratios.searchP95, 2)}×, p99 ${fmt(ratios.searchP99, 2)}×`);
    say(`server peak RSS: ${fmt(serverPeakMb)} MB (after start ${fmt(rssAfterReadyMb)} MB, during the load ${fmt(peakDuringLoadMb)} MB)${meiliSampler ? `; Meilisearch peak RSS ${fmt(meiliSampler.peakMb())} MB` : ''}`);
    if (search.degraded || suggest.degraded) say(`degraded answers (PostgreSQL fallback): search ${search.degraded}, suggest ${suggest.degraded}`);
    say('');
    say('targets:');
    for (const t of targets) {
      const verdict = t.pass === null ? 'not measured' : t.pass ? 'pass' : 'MISS';
      say(`  ${t.name.padEnd(46)} ${`${fmt(t.measured, t.unit === '×' ? 2 : 1)} ${t.unit}`.padStart(12)}  ${verdict}${'note' in t && t.note ? `  (${t.note})` : ''}`);
    }
    say('');
    if (busy) {
      say(
        `warning: other processes used ${[direct, search, suggest].map((p) => `${fmt((p.foreignCpuShare ?? 0) * 100, 0)}%`).join(' / ')} ` +
          `of the machine's CPU during the three phases: these latencies are skewed; run again on a quiet machine`,
      );
    }
    say(`slowest /api/search queries: ${search.slowest.slice(0, 5).map((s) => `${fmt(s.ms)} ms "${s.q}" (${s.kind})`).join('; ')}`);
    say(`written: ${path.relative(ROOT_DIR, RESULTS_FILE)}, ${path.relative(ROOT_DIR, QUERIES_FILE)}`);

    if (phaseErrors.length) {
      console.error(`More than ${MAX_ERROR_SHARE * 100}% of the requests failed in a phase; first errors: ${phaseErrors.flatMap((p) => p.errorExamples).slice(0, 3).join(' | ')}`);
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

const options = parseOptions(process.argv.slice(2));
let config: Config;
try {
  // The benchmark's own log is quiet unless LOG_LEVEL asks otherwise: the table is the output.
  config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
main(options, config).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof SetupError ? `Cannot run the benchmark: ${error.message}` : error);
    process.exit(1);
  },
);
