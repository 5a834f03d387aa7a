/**
 * `npm run bench:matching`: family requests against the 1,000,000-grave demo set. For a sample of
 * public martyrs whose true grave is one of the unidentified ones (demo_unidentified_truth), the
 * death notice carries the record's unit, dates and place as the record has them; the benchmark
 * ranks the candidates as /tim-mo does (rankNotice, against PostgreSQL) and reports how often the
 * true grave is first, in the top 5 and in the top 20, overall and by which clues the grave
 * carries, and the ranking's latency (one request at a time). Printed, and written to
 * bench/results/matching.json. `--misses N` also prints N requests with unit and year whose true
 * grave missed the top 5: what the stone says, and what outranked it.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ROOT_DIR } from '../../server/config.js';
import { createDb } from '../../server/db/knex.js';
import { preparePostgresFor } from '../../server/setup/postgres.js';
import { rankNotice } from '../../server/families/matching.service.js';
import { runMain } from '../../server/setup/run-main.js';
import { percentile, round } from './stats.js';

const TARGETS = { p95Ms: 300, withUnitAndYearTop5: 0.8 };

type Row = {
  martyr_id: number; grave_id: number; full_name: string; hometown_text: string | null; unit: string | null; place_of_death: string | null;
  death_year: number | null; death_month: number | null; death_day: number | null; has_unit: boolean; has_year: boolean; has_place: boolean; has_fragment: boolean;
};

runMain(async (config, logger) => {
  const { values } = parseArgs({ options: { sample: { type: 'string', default: '1000' }, 'min-graves': { type: 'string', default: '1000000' }, misses: { type: 'string', default: '0' } }, strict: true });
  const sample = Number(values.sample);
  const db = createDb(await preparePostgresFor(config, logger), 2);
  try {
    const graves = Number((await db.raw('SELECT count(*) AS n FROM graves')).rows[0].n);
    if (graves < Number(values['min-graves'])) {
      console.error(`The database has ${graves} graves; this benchmark wants ${values['min-graves']} (npm run seed -- --graves 1000000, or --min-graves 0 for a quick run).`);
      process.exitCode = 2;
      return;
    }
    const clues = Number((await db.raw('SELECT count(*) AS n FROM grave_clues')).rows[0].n);
    if (!clues) {
      console.error('grave_clues is empty: the seed fills it (or call rebuildGraveClues).');
      process.exitCode = 2;
      return;
    }
    // A fixed sample: the same data gives the same requests.
    const { rows } = await db.raw<{ rows: Row[] }>(
      `SELECT t.martyr_id, t.grave_id, m.full_name, m.hometown_text, m.unit, m.place_of_death, m.death_year, m.death_month, m.death_day,
              g.known_unit IS NOT NULL AS has_unit, g.known_death_year IS NOT NULL AS has_year, g.known_place_of_death IS NOT NULL AS has_place,
              (g.known_name IS NOT NULL OR g.known_hometown IS NOT NULL) AS has_fragment
       FROM demo_unidentified_truth t JOIN public_martyrs m ON m.id = t.martyr_id JOIN public_graves g ON g.id = t.grave_id
       ORDER BY md5(t.martyr_id::text) LIMIT ?`, [sample],
    );
    // Warm the reference places and the planner once.
    if (rows[0]) await rankNotice(db, notice(rows[0]));
    const times: number[] = [];
    const ranks: Array<{ row: Row; rank: number | null }> = [];
    let missesLeft = Number(values.misses);
    for (const row of rows) {
      const started = performance.now();
      const ranked = await rankNotice(db, notice(row));
      times.push(performance.now() - started);
      const at = ranked.findIndex((r) => r.graveId === Number(row.grave_id));
      ranks.push({ row, rank: at < 0 ? null : at + 1 });
      if (missesLeft > 0 && row.has_unit && row.has_year && (at < 0 || at >= 5)) {
        missesLeft--;
        await printMiss(db, row, at, ranked);
      }
    }
    times.sort((a, b) => a - b);
    const shares = (subset: typeof ranks) => ({
      n: subset.length,
      top1: round(subset.filter((r) => r.rank !== null && r.rank <= 1).length / Math.max(1, subset.length), 3),
      top5: round(subset.filter((r) => r.rank !== null && r.rank <= 5).length / Math.max(1, subset.length), 3),
      top20: round(subset.filter((r) => r.rank !== null && r.rank <= 20).length / Math.max(1, subset.length), 3),
    });
    const overall = shares(ranks);
    const result = {
      at: new Date().toISOString(),
      graves,
      unidentifiedGravesWithClues: clues,
      requests: rows.length,
      top1: overall.top1, top5: overall.top5, top20: overall.top20,
      withUnitAndYear: shares(ranks.filter((r) => r.row.has_unit && r.row.has_year)),
      byClues: {
        unitOnly: shares(ranks.filter((r) => r.row.has_unit && !r.row.has_year)),
        yearOnly: shares(ranks.filter((r) => !r.row.has_unit && r.row.has_year)),
        withPlace: shares(ranks.filter((r) => r.row.has_place)),
        withFragment: shares(ranks.filter((r) => r.row.has_fragment)),
        noClue: shares(ranks.filter((r) => !r.row.has_unit && !r.row.has_year && !r.row.has_place && !r.row.has_fragment)),
      },
      p50Ms: round(percentile(times, 50), 1),
      p95Ms: round(percentile(times, 95), 1),
      p99Ms: round(percentile(times, 99), 1),
      targets: TARGETS,
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => round(l, 2)) },
    };
    console.log(JSON.stringify(result, null, 2));
    const dir = path.join(ROOT_DIR, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'matching.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await db.destroy();
  }
});

type Ranked = Awaited<ReturnType<typeof rankNotice>>;

/** One miss, for reading: the notice, the true grave's stone, and the three graves ranked first. */
async function printMiss(db: ReturnType<typeof createDb>, row: Row, at: number, ranked: Ranked): Promise<void> {
  const stones = await db('graves').whereIn('id', [Number(row.grave_id), ...ranked.slice(0, 3).map((r) => r.graveId)])
    .select('id', 'known_unit', 'known_death_year', 'known_death_month', 'known_place_of_death');
  const stone = (id: number) => {
    const g = stones.find((s: { id: number }) => Number(s.id) === id);
    return g ? `"${g.known_unit ?? '-'}" ${g.known_death_year ?? '-'}/${g.known_death_month ?? '-'} ${g.known_place_of_death ?? '-'}` : '?';
  };
  const reasons = (r: Ranked[number]) => r.reasons.map((x) => `${x.code} ${x.points}`).join(', ');
  console.error(`miss (rank ${at < 0 ? '> 20' : at + 1}): notice "${row.unit}" ${row.death_year}/${row.death_month ?? '-'}/${row.death_day ?? '-'} at "${row.place_of_death}", from "${row.hometown_text}"`);
  console.error(`  true grave: ${stone(Number(row.grave_id))}${at >= 0 ? ` | ${reasons(ranked[at]!)}` : ''}`);
  for (const r of ranked.slice(0, 3)) console.error(`  ${r.score}: ${stone(r.graveId)} | ${reasons(r)}`);
}

function notice(row: Row) {
  return {
    fullName: row.full_name, hometown: row.hometown_text, unit: row.unit, placeOfDeath: row.place_of_death,
    death: { year: row.death_year, month: row.death_month, day: row.death_day },
  };
}
