/**
 * `npm run bench`: every benchmark in turn (the list below), each in its own process so one
 * does not carry another's memory; their figures are printed and written to bench/results/.
 * Extra arguments go to each (e.g. `npm run bench -- --min-records 0` is not understood by all:
 * run the single benchmarks for such options).
 */
import { spawnSync } from 'node:child_process';
import { ROOT_DIR } from '../../server/config.js';

const benches = ['search', 'freshness', 'tiles', 'photos', 'lists', 'opendata', 'matching', 'notify', 'dossiers', 'coverage', 'journey'];
let failed = 0;
for (const name of benches) {
  console.log(`\n=== bench:${name} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `scripts/bench/${name}.ts`], { cwd: ROOT_DIR, stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.error(`bench:${name} ended with code ${result.status}`);
  }
}
process.exitCode = failed ? 1 : 0;
