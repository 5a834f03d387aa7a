/**
 * `npm run bench:journey`: what the relative's journey weighs and how long it takes, in Debian's
 * Chromium on the issue's phone (360x740, 1.6 Mbps / 150 ms, CPU 4x slower):
 *   - page weight on a cold cache (bytes transferred, headers included) of `/`, a martyr page with
 *     its headstone photo, and `/ban-do` with MapLibre's two files counted apart;
 *   - time to grave: from the home page, typing a name, tapping "Tìm", tapping the first result,
 *     to the martyr page with its plot shown (seconds and taps).
 * Budgets: `/` under 30 KB, a martyr page under 80 KB, `/ban-do` under 120 KB besides MapLibre.
 * Written to bench/results/journey.json; exits 1 when a budget is missed.
 *
 * It runs as a vitest file (scripts/bench/journey.run.ts) so it gets the tests' throwaway
 * PostgreSQL database and Meilisearch (test/support/global-setup.ts), never the development data.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT_DIR } from '../../server/config.js';

const vitest = path.join(ROOT_DIR, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--config', 'scripts/bench/journey.vitest.config.ts'], { cwd: ROOT_DIR, stdio: 'inherit' });
process.exitCode = result.status ?? 1;
