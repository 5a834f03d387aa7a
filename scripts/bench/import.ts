/**
 * `npm run bench:import`: a province-sized import. Generates a 100,000-row provincial workbook
 * (realistic headers, 5% bad rows, some duplicates, the "Đơn vị" column in TCVN3, relatives' names
 * and phone numbers that must not be stored), then measures the dry run, the commit, and the time
 * until every row is searchable (the outbox drained into Meilisearch), with the process's peak
 * memory. Targets: dry run under 60 s, committed and searchable under 180 s, peak RSS under 600 MB.
 * Printed, and written to bench/results/import.json. Run it against a database of its own
 * (DATABASE_URL): each run adds its rows.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { ROOT_DIR } from '../../server/config.js';
import { commitFromCli, importFromCli } from '../../server/imports/import-cli.js';
import { encodeTcvn3 } from '../../server/imports/legacy-encodings.js';
import { startServices } from '../../server/portal.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { runMain } from '../../server/setup/run-main.js';
import { importFilesOf } from '../../server/storage/file-stores.js';
import { createNameSource } from '../../seeds/demo/names.js';
import { createRng } from '../../seeds/demo/random.js';

const TARGETS = { dryRunSeconds: 60, searchableSeconds: 180, peakRssMb: 600 };
const PROVINCE = '33';
/** Relatives' family names, in a column the import must not store. */
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương'];
const UNITS = ['E141, F312', 'Trung đoàn 64, Sư đoàn 320', 'd4, E48', 'Đoàn 559', 'c2, d8, E209', 'Tiểu đoàn 3, Trung đoàn 66'];
const RANKS = ['Binh nhì', 'Binh nhất', 'Hạ sĩ', 'Trung sĩ', 'Thượng sĩ', 'Thiếu úy'];

let peakRss = 0;
// The peak of each step too (generating the workbook, dry run, commit, drain), to say which one holds the memory.
let phasePeak = 0;
const phasePeaks: Record<string, number> = {};
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  phasePeak = Math.max(phasePeak, rss);
}, 100);
sampler.unref();
const endPhase = (name: string) => {
  phasePeaks[name] = Math.round(Math.max(phasePeak, process.memoryUsage().rss) / 1024 / 1024);
  phasePeak = 0;
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
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const ws = writer.addWorksheet('Danh sách liệt sĩ');
    ws.addRow(['STT', 'Mã hồ sơ', 'Họ và tên', 'Năm sinh', 'Nguyên quán', 'Ngày hy sinh', 'Đơn vị', 'Cấp bậc', 'Nghĩa trang', 'Vị trí mộ', 'Tọa độ', 'Họ tên thân nhân', 'Số điện thoại']).commit();
    let bad = 0;
    let duplicates = 0;
    // Names drawn as the demo draws them (the name-frequency data): namesakes as common as in a
    // real province, so "possible duplicate" flags the rows made to repeat, not most of the file.
    const names = createNameSource();
    const rng = createRng(`bench-import-${run}`, 'names');
    let previousName = '';
    for (let i = 1; i <= rows; i++) {
      const dup = i % 50 === 0;
      const n = dup ? i - 1 : i;
      const name = dup ? previousName : names.person('male', rng).full;
      previousName = name;
      const home = homes[(n * 13) % homes.length]!;
      const birth = 1930 + (n % 30) + (dup ? 1 : 0);
      const dateForms = [`${(n % 28) + 1}/${(n % 12) + 1}/${birth + 20}`, `${(n % 12) + 1}/${birth + 20}`, String(birth + 20), `T${(n % 12) + 1}/${birth + 20}`, `tháng ${(n % 12) + 1} năm ${birth + 20}`];
      let death = dateForms[n % dateForms.length]!;
      let cemetery = cemeteries[n % cemeteries.length]!;
      let coords = `${(20.6 + (i % 1000) / 100000).toFixed(6)}, ${(106.0 + (i % 997) / 100000).toFixed(6)}`;
      if (i % 20 === 7) {
        bad++;
        const kind = (i / 20) % 3 | 0;
        if (kind === 0) death = '32/13/1970';
        else if (kind === 1) cemetery = 'Nghĩa trang không có trong tỉnh';
        else coords = '2345678.12, 567890.55';
      }
      if (dup) duplicates++;
      const plot = `K${run}${i % 50}-${Math.floor(i / 50) % 100}-${Math.floor(i / 5000)}`;
      ws.addRow([
        i, `${run}-${i}`, i % 10 === 0 ? name.toUpperCase() : name, i % 4 === 0 ? `${(n % 12) + 1}/${birth}` : birth,
        i % 3 === 0 ? `${home.commune} - ${home.district} - Hưng Yên` : `xã ${home.commune}, huyện ${home.district}, tỉnh Hưng Yên`,
        death, encodeTcvn3(UNITS[n % UNITS.length]!), RANKS[n % RANKS.length], cemetery, plot, coords, `${FAMILY[(i + 3) % FAMILY.length]} Thị Mai`, `09${String(10_000_000 + i).slice(-8)}`,
      ]).commit();
    }
    ws.commit();
    await writer.commit();
    const generateSeconds = (performance.now() - generated) / 1000;
    endPhase('generate');
    console.log(`generated ${rows} rows (${bad} bad, ${duplicates} duplicates, Đơn vị in TCVN3) in ${generateSeconds.toFixed(1)} s`);

    const files = importFilesOf(config);
    const dryStart = performance.now();
    const dry = await importFromCli(db, files, logger, { provinceCode: PROVINCE, sourceName: `Bench ${run}`, file, dryRun: true });
    const dryRunSeconds = (performance.now() - dryStart) / 1000;
    endPhase('dryRun');
    console.log(`dry run: ${dryRunSeconds.toFixed(1)} s, ${Math.round(rows / dryRunSeconds)} rows/s`, dry.counts);

    const commitStart = performance.now();
    const committed = await commitFromCli(db, files, logger, dry.batchId);
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
      peakRssMbByStep: phasePeaks,
      targets: TARGETS,
      met: { dryRun: dryRunSeconds < TARGETS.dryRunSeconds, searchable: searchableSeconds < TARGETS.searchableSeconds, memory: peakRssMb < TARGETS.peakRssMb },
    };
    console.log(`peak RSS ${peakRssMb} MB (by step: ${Object.entries(phasePeaks).map(([k, v]) => `${k} ${v}`).join(', ')}); targets: dry run < ${TARGETS.dryRunSeconds} s ${result.met.dryRun ? 'met' : 'MISS'}, searchable < ${TARGETS.searchableSeconds} s ${result.met.searchable ? 'met' : 'MISS'}, RSS < ${TARGETS.peakRssMb} MB ${result.met.memory ? 'met' : 'MISS'}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'import.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await services.close();
  }
});
