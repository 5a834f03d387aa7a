/**
 * The server under test as a child process (`node --import tsx server/main.ts`), so that its
 * memory is its own: VmRSS and VmHWM are read from /proc/<pid>/status every 100 ms. Its log lines
 * (warnings and errors only) are passed on to stderr with a prefix and counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import getPort from 'get-port';

export type MemorySample = { rssKb: number; hwmKb: number };

/** VmRSS and VmHWM of a process, or undefined once it is gone. */
export async function readMemory(pid: number): Promise<MemorySample | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Samples one process every `everyMs`: the peak over its whole life (VmHWM, which the kernel keeps
 * even between samples) and the peak RSS seen during each named phase.
 */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private phase = 'start-up';
  readonly peakRssKbByPhase: Record<string, number> = {};
  peakHwmKb = 0;
  lastRssKb = 0;
  samples = 0;

  constructor(readonly pid: number, readonly everyMs = 100) {}

  start(): this {
    const tick = async () => {
      const m = await readMemory(this.pid);
      if (!m) return;
      this.samples += 1;
      this.lastRssKb = m.rssKb;
      if (Number.isFinite(m.hwmKb)) this.peakHwmKb = Math.max(this.peakHwmKb, m.hwmKb);
      this.peakRssKbByPhase[this.phase] = Math.max(this.peakRssKbByPhase[this.phase] ?? 0, m.rssKb);
    };
    void tick();
    this.timer = setInterval(() => void tick(), this.everyMs);
    this.timer.unref();
    return this;
  }

  enter(phase: string): void {
    this.phase = phase;
  }

  /** Takes a last sample and stops. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const m = await readMemory(this.pid);
    if (m) {
      this.lastRssKb = m.rssKb;
      if (Number.isFinite(m.hwmKb)) this.peakHwmKb = Math.max(this.peakHwmKb, m.hwmKb);
    }
  }

  /** Peak RSS in MB over the process's life (the larger of VmHWM and any sampled VmRSS). */
  peakMb(): number {
    const sampled = Math.max(0, ...Object.values(this.peakRssKbByPhase));
    return Math.round(Math.max(this.peakHwmKb, sampled) / 102.4) / 10;
  }
}

/** The project's own Meilisearch (the child process started for DATA_DIR), found by its --db-path. */
export async function findMeiliPid(dataDir: string): Promise<number | undefined> {
  const dbPath = path.join(dataDir, 'meili', 'data.ms');
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (path.basename(args[0] ?? '').startsWith('meilisearch') && args[args.indexOf('--db-path') + 1] === dbPath) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

export type ServerUnderTest = {
  url: string;
  pid: number;
  memory: MemorySampler;
  /** Log lines at warn level or above the server wrote. */
  logCounts: { warn: number; error: number; other: number };
  /** SIGTERM, then SIGKILL after 15 s; resolves once the process is gone. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: boolean;
};

export type ServerOptions = {
  rootDir: string;
  env: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
};

const LEVELS: Record<number, 'warn' | 'error'> = { 40: 'warn', 50: 'error', 60: 'error' };

export async function startServer(options: ServerOptions): Promise<ServerUnderTest> {
  const port = await getPort({ host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: options.rootDir,
    env: { ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start the server process');
  const pid = child.pid;
  const memory = new MemorySampler(pid).start();
  const logCounts = { warn: 0, error: 0, other: 0 };
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      let level: string = 'other';
      try {
        level = LEVELS[(JSON.parse(line) as { level?: number }).level ?? 0] ?? 'other';
      } catch {
        // not a pino line
      }
      logCounts[level as keyof typeof logCounts] += 1;
      // Only the first lines of each kind are shown: a failing dependency must not flood the table.
      if (logCounts[level as keyof typeof logCounts] <= 5) process.stderr.write(`[server] ${line.slice(0, 500)}\n`);
    });
  }
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  const stop = async () => {
    if (exitInfo) return exitInfo;
    await memory.stop();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  try {
    for (;;) {
      if (exitInfo) throw new Error(`the server exited while starting (code ${exitInfo.code}, signal ${exitInfo.signal}); its last lines:\n${recent.join('\n')}`);
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the server did not answer /readyz with 200 within ${(options.readyTimeoutMs ?? 180_000) / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    pid,
    memory,
    logCounts,
    stop,
    get exited() {
      return exitInfo !== undefined;
    },
  };
}
