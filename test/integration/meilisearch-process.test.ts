/**
 * The project's own Meilisearch child: its key stays off the command line, and one data folder
 * never has two Meilisearch processes on it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEILI_VERSION, startMeiliProcess, type MeiliProcess } from '../../server/setup/meilisearch-process.js';
import { SetupError } from '../../server/setup/setup-error.js';
import { eventually, isAlive, meiliPidsOn } from '../support/processes.js';
import { silentLogger } from '../support/services.js';

const start = (dir: string) => startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });

describe('the Meilisearch child process', () => {
  let dir: string;
  const started: MeiliProcess[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-meiliproc-'));
  });
  afterEach(async () => {
    for (const meili of started.splice(0)) await meili.stop();
    for (const pid of await meiliPidsOn(path.join(dir, 'data.ms'))) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('gets its master key through the environment, never on its command line', async () => {
    const meili = await start(dir);
    started.push(meili);
    const cmdline = await readFile(`/proc/${meili.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('--db-path');
    expect(cmdline).not.toContain(meili.masterKey);
    expect((await readFile(`/proc/${meili.pid}/environ`, 'utf8')).split('\0')).toContain(`MEILI_MASTER_KEY=${meili.masterKey}`);
  });

  it('runs in a process group of its own, so a Ctrl-C reaches the portal first', async () => {
    const meili = await start(dir);
    started.push(meili);
    const stat = await readFile(`/proc/${meili.pid}/stat`, 'utf8');
    const processGroup = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(processGroup).toBe(meili.pid);
  });

  it('refuses to start a second Meilisearch on a data folder whose owner is still running', async () => {
    const first = await start(dir);
    started.push(first);
    await expect(start(dir)).rejects.toThrow(SetupError);
    expect(await meiliPidsOn(path.join(dir, 'data.ms'))).toEqual([first.pid]);
    expect((await fetch(`${first.url}/health`)).ok).toBe(true);
  });

  it('stops a Meilisearch orphaned on the same data folder before starting its own', async () => {
    // An orphan as an older version left it after a kill -9: started by a parent now gone.
    const first = await start(dir);
    await first.stop();
    const binary = path.join(dir, 'bin', `meilisearch-${MEILI_VERSION}`);
    const dbPath = path.join(dir, 'data.ms');
    const shell = spawn('sh', ['-c', `"${binary}" --db-path "${dbPath}" --http-addr 127.0.0.1:0 --no-analytics >/dev/null 2>&1 &`], { stdio: 'ignore' });
    await new Promise((resolve) => shell.once('exit', resolve));
    expect(await eventually(async () => (await meiliPidsOn(dbPath)).length === 1, 5_000)).toBe(true);
    const [orphan] = await meiliPidsOn(dbPath);

    const meili = await start(dir);
    started.push(meili);
    expect(isAlive(orphan!)).toBe(false);
    expect(await meiliPidsOn(dbPath)).toEqual([meili.pid]);
  });
});
