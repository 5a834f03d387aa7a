/**
 * `npm run bench:import`: a province-sized import. Generates a 100,000-row provincial workbook
 * (realistic headers, 5% bad rows, some duplicates, the "Đơn vị" column in TCVN3, relatives' names
 * and phone numbers that must not be stored), then measures the dry run, the commit, and the time
 * until every row is searchable (the outbox drained into Meilisearch), with the peak memory of
 * the process importing (the workbook is written by a child process, import-workbook.ts). Targets: dry run under 60 s, committed and searchable under 180 s, peak RSS under 600 MB.
 * Printed, and written to bench/results/import.json. Run it against a database of its own
 * (DATABASE_URL): each run adds its rows.
 */
import { fork } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT_DIR } from '../../server/config.js';
import { commitFromCli, importFromCli } from '../../server/imports/import-cli.js';
import { importThreadOf } from '../../server/imports/import-thread.js';
import { startServices } from '../../server/portal.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { runMain } from '../../server/setup/run-main.js';
import { importFilesOf } from '../../server/storage/file-stores.js';
import type { WorkbookRequest, WorkbookWritten } from './import-workbook.js';

const TARGETS = { dryRunSeconds: 60, searchableSeconds: 180, peakRssMb: 600 };
const PROVINCE = '33';

/** The workbook, written by a child process: its memory is not counted as the import's. */
function writeWorkbookElsewhere(request: WorkbookRequest): Promise<WorkbookWritten> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./import-workbook.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
    let written: WorkbookWritten | undefined;
    child.once('message', (m) => (written = m as WorkbookWritten));
    child.once('error', reject);
    child.once('exit', (code) => (written ? resolve(written) : reject(new Error(`the workbook generator exited with ${code}`))));
    child.send(request);
  });
}

let peakRss = 0;
// The peak of each step too (generating the workbook, dry run, commit, drain), to say which one
// holds the memory, and what the process held at that peak (V8's heap, buffers outside it).
let phasePeak = 0;
let phasePeakUsage: NodeJS.MemoryUsage | undefined;
const phasePeaks: Record<string, number> = {};
const phasePeakDetail: Record<string, Record<string, number>> = {};
const toMb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  if (usage.rss > phasePeak) {
    phasePeak = usage.rss;
    phasePeakUsage = usage;
  }
}, 100);
sampler.unref();
const endPhase = (name: string) => {
  phasePeaks[name] = toMb(Math.max(phasePeak, process.memoryUsage().rss));
  const u = phasePeakUsage ?? process.memoryUsage();
  phasePeakDetail[name] = { rss: toMb(u.rss), heapTotal: toMb(u.heapTotal), heapUsed: toMb(u.heapUsed), external: toMb(u.external), arrayBuffers: toMb(u.arrayBuffers) };
  phasePeak = 0;
  phasePeakUsage = undefined;
};

runMain(async (config, logger) => {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
  const rows = Number(values.rows);
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  const db = services.db;
  const dir = path.join(os.tmpdir(), `mls-bench-import-${process.pid}`);
  await mkdir(dir, { recursive: true });
  try {
    try {
      await services.meili.index(config.meiliIndex).getStats();
    } catch {
      await reindex(db, services.meili, config.meiliIndex, logger);
    }
    // The province's cemeteries the file names (created once per database).
    const cemeteries = ['Nghĩa trang liệt sĩ huyện Tiên Lữ', 'Nghĩa trang liệt sĩ huyện Kim Động', 'Nghĩa trang liệt sĩ tỉnh Hưng Yên'];
    for (const name of cemeteries) {
      await db.raw(
        `INSERT INTO cemeteries (name, level, province_code, location)
         SELECT ?, 'district', '33', ST_SetSRID(ST_MakePoint(106.05, 20.65), 4326) WHERE NOT EXISTS (SELECT 1 FROM cemeteries WHERE name = ? AND province_code = '33')`,
        [name, name],
      );
    }
    const { rows: homes } = await db.raw<{ rows: { commune: string; district: string }[] }>(
      `SELECT c.name AS commune, d.name AS district FROM old_communes c JOIN old_districts d ON d.code = c.district_code WHERE d.province_code = '33' ORDER BY c.code`,
    );
    const run = Date.now().toString(36).slice(-5).toUpperCase();
    const file = path.join(dir, `tinh-hung-yen-${rows}.xlsx`);
    const generated = performance.now();
    const { bad, duplicates } = await writeWorkbookElsewhere({ file, rows, run, cemeteries, homes });
    const generateSeconds = (performance.now() - generated) / 1000;
    endPhase('generate');
    console.log(`generated ${rows} rows (${bad} bad, ${duplicates} duplicates, Đơn vị in TCVN3) in ${generateSeconds.toFixed(1)} s`);

    const files = importFilesOf(config);
    const dryStart = performance.now();
    // The steps run as the portal's job runs them: in a thread of their own (import-thread.ts).
    const thread = importThreadOf({ ...config, databaseUrl: services.databaseUrl }, { statementTimeout: true });
    const dry = await importFromCli(db, files, logger, { provinceCode: PROVINCE, sourceName: `Bench ${run}`, file, dryRun: true, thread });
    const dryRunSeconds = (performance.now() - dryStart) / 1000;
    endPhase('dryRun');
    console.log(`dry run: ${dryRunSeconds.toFixed(1)} s, ${Math.round(rows / dryRunSeconds)} rows/s`, dry.counts);

    const commitStart = performance.now();
    const committed = await commitFromCli(db, files, logger, dry.batchId, thread);
    const commitSeconds = (performance.now() - commitStart) / 1000;
    endPhase('commit');
    console.log(`commit: ${commitSeconds.toFixed(1)} s, ${Math.round(rows / commitSeconds)} rows/s, state ${committed.state}`);

    const drainStart = performance.now();
    let sent = 0;
    for (;;) {
      const n = await drainOnce(db, services.meili, config.meiliIndex, logger);
      if (n === 0) break;
      sent += n;
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    endPhase('drain');
    const searchableSeconds = commitSeconds + drainSeconds;
    const probe = await services.meili.index(config.meiliIndex).search('', { limit: 0 });
    console.log(`outbox drained (${sent} rows) in ${drainSeconds.toFixed(1)} s; committed and searchable ${searchableSeconds.toFixed(1)} s after the commit was asked (index holds ~${probe.estimatedTotalHits})`);
    const peakRssMb = Math.round(peakRss / 1024 / 1024);
    const result = {
      at: new Date().toISOString(),
      rows, badRows: bad, duplicateRows: duplicates, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
      dryRun: { seconds: Number(dryRunSeconds.toFixed(1)), rowsPerSecond: Math.round(rows / dryRunSeconds), counts: dry.counts },
      commit: { seconds: Number(commitSeconds.toFixed(1)), rowsPerSecond: Math.round(rows / commitSeconds), counts: committed.counts.committed },
      searchable: { drainSeconds: Number(drainSeconds.toFixed(1)), secondsFromCommit: Number(searchableSeconds.toFixed(1)), outboxRows: sent },
      peakRssMb,
      importThreadHeapMb: config.importHeapMb,
      peakRssMbByStep: phasePeaks,
      memoryMbAtEachStepsPeak: phasePeakDetail,
      targets: TARGETS,
      met: { dryRun: dryRunSeconds < TARGETS.dryRunSeconds, searchable: searchableSeconds < TARGETS.searchableSeconds, memory: peakRssMb < TARGETS.peakRssMb },
    };
    console.log(`at each step's peak (MB): ${Object.entries(phasePeakDetail).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join('; ')}`);
    console.log(`peak RSS ${peakRssMb} MB (by step: ${Object.entries(phasePeaks).map(([k, v]) => `${k} ${v}`).join(', ')}); targets: dry run < ${TARGETS.dryRunSeconds} s ${result.met.dryRun ? 'met' : 'MISS'}, searchable < ${TARGETS.searchableSeconds} s ${result.met.searchable ? 'met' : 'MISS'}, RSS < ${TARGETS.peakRssMb} MB ${result.met.memory ? 'met' : 'MISS'}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'import.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await services.close();
  }
});
