/**
 * Looks at processes the way an operator would, through /proc, so tests of the Meilisearch child
 * do not take the code under test at its word.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Pids of Meilisearch processes whose --db-path is this folder. */
export async function meiliPidsOn(dbPath: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').then((text) => text.split('\0'), () => [] as string[]);
    const at = argv.indexOf('--db-path');
    if (at >= 0 && path.basename(argv[0] ?? '').startsWith('meilisearch') && path.resolve(argv[at + 1] ?? '') === path.resolve(dbPath)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

/** Waits until check() holds or the time is up; returns whether it held. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
