/**
 * kill -9 of the real portal process (`node --import tsx server/main.ts`, its own DATA_DIR and
 * database): its Meilisearch child must not outlive it, and a restart runs exactly one on the
 * data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { eventually, meiliPidsOn } from '../support/processes.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

type Portal = { proc: ChildProcess; url: string; output: () => string };

async function startPortal(env: NodeJS.ProcessEnv): Promise<Portal> {
  const port = await getPort({ host: '127.0.0.1' });
  // node itself, not the tsx wrapper: kill -9 must reach the process that owns the child.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT_DIR,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const ready = await eventually(async () => {
    if (proc.exitCode !== null) return true;
    return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
  }, 90_000);
  if (!ready || proc.exitCode !== null) throw new Error(`the portal did not become ready:\n${output}`);
  return { proc, url, output: () => output };
}

const exited = (proc: ChildProcess) =>
  proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

describe('kill -9 of the portal', () => {
  let t: TestDatabase;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const portals: Portal[] = [];
  const dbPath = () => path.join(dataDir, 'meili', 'data.ms');

  beforeAll(async () => {
    t = await createTestDatabase('appkill');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-appkill-'));
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MEILI_')));
    env = { ...inherited, DATABASE_URL: t.url, DATA_DIR: dataDir, DEMO_GRAVES: '0', LOG_LEVEL: 'warn', NODE_ENV: 'test', MEILI_MAX_INDEXING_MEMORY: '256MiB' };
  });
  afterAll(async () => {
    for (const { proc } of portals) {
      proc.kill('SIGKILL');
      await exited(proc);
    }
    for (const pid of await meiliPidsOn(dbPath())) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    await t.drop();
  });

  it('leaves no Meilisearch running, and the restart runs exactly one on the data folder', async () => {
    const first = await startPortal(env);
    portals.push(first);
    const [child] = await meiliPidsOn(dbPath());
    expect(child).toBeDefined();

    first.proc.kill('SIGKILL');
    await exited(first.proc);
    expect(await eventually(async () => (await meiliPidsOn(dbPath())).length === 0, 5_000)).toBe(true);

    const second = await startPortal(env);
    portals.push(second);
    const running = await meiliPidsOn(dbPath());
    expect(running).toHaveLength(1);
    expect(running[0]).not.toBe(child);

    // A clean stop takes its child with it too.
    second.proc.kill('SIGTERM');
    await exited(second.proc);
    expect(second.proc.exitCode).toBe(0);
    expect(await meiliPidsOn(dbPath())).toEqual([]);
  }, 240_000);
});
