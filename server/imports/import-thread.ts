/**
 * An import's step (the dry run or the commit) in a worker thread of its own, with a heap of its
 * own: a province's workbook leaves hundreds of MB of garbage behind it (exceljs's parse of 100,000
 * rows, the chunks held across queries) that V8, with the machine's memory to grow into, collects
 * late, in the portal's one heap. In a thread the heap is bounded (IMPORT_HEAP_MB) and given back
 * whole when the step ends; a file that needs more than that ends its own thread with a clear
 * reason, not the portal serving the public. (The bound is V8's heap: buffers outside it, such as
 * the unzipping of a workbook, are not counted; the zip guard bounds those.)
 *
 * The thread opens a small pool of its own to the same database, its sessions named after the run
 * so that a thread that dies can have them ended (endSessions); the batch's lease, taken by the
 * caller, keeps every other runner away as before.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { ImportFiles } from './import-run.js';
import { endSessions } from './imports.queries.js';

/** `statementTimeoutMs`: the thread's pool's (the flip lifts it for its own transaction); unset: none. */
export type ImportThread = { databaseUrl: string; heapMb: number; logLevel: string; statementTimeoutMs?: number };

/**
 * The thread of the portal's imports, `config.databaseUrl` as the portal resolved it (portal.ts);
 * with `statementTimeout`, the portal pool's statement timeout too (its jobs), else none (the
 * command line, whose steps never had one).
 */
export function importThreadOf(config: Pick<Config, 'databaseUrl' | 'importHeapMb' | 'logLevel' | 'databaseStatementTimeoutMs'>, options: { statementTimeout?: boolean } = {}): ImportThread {
  return { databaseUrl: config.databaseUrl, heapMb: config.importHeapMb, logLevel: config.logLevel, ...(options.statementTimeout ? { statementTimeoutMs: config.databaseStatementTimeoutMs } : {}) };
}

export type ImportStep = 'dry-run' | 'commit';

export type ImportThreadData = { thread: ImportThread; files: ImportFiles; step: ImportStep; batchId: number; token: string; applicationName: string };

export type ImportThreadReply = { ok: true } | { ok: false; message: string; stack?: string; code?: string };

/** The step outgrew its heap: the batch is ended with this reason (imports.error.out_of_memory). */
export class ImportOutOfMemory extends Error {
  constructor() {
    super('out_of_memory');
  }
}

/** The failure of a step in the thread, with its message and, for PostgreSQL's errors, their code. */
export class ImportThreadFailed extends Error {
  constructor(message: string, stack?: string, readonly code?: string) {
    super(message);
    if (stack) this.stack = stack;
  }
}

const THREAD_DIED = 'the import thread ended before its step did';
/** After its outcome, how long a thread may take to close its pool and end before it is stopped. */
const GRACE_MS = 10_000;

// The project runs its TypeScript through tsx, whose loader a worker thread is not given: the
// thread's first step registers it and then imports the step's module.
const fromTypeScript = new URL(import.meta.url).pathname.endsWith('.ts');
const entry = new URL(`./import-thread.worker${fromTypeScript ? '.ts' : '.js'}`, import.meta.url).href;
const boot = fromTypeScript
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
  : `import(${JSON.stringify(entry)})`;

/**
 * Runs one step of a batch in a new thread and waits for it to end. The outcome the thread sent is
 * what counts, whatever happens after it; a thread that ended without one had its sessions ended
 * (on `db`) before this returns, so nothing of it can still write.
 */
export function runStepInThread(db: Db, data: Omit<ImportThreadData, 'applicationName'>): Promise<void> {
  const applicationName = `mo-liet-si import ${data.batchId} ${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(boot, {
      eval: true,
      workerData: { ...data, applicationName } satisfies ImportThreadData,
      resourceLimits: { maxOldGenerationSizeMb: data.thread.heapMb, maxYoungGenerationSizeMb: 16 },
    });
    let reply: ImportThreadReply | undefined;
    let failure: Error | undefined;
    let grace: NodeJS.Timeout | undefined;
    worker.on('message', (m: ImportThreadReply) => {
      reply ??= m;
      grace = setTimeout(() => void worker.terminate(), GRACE_MS);
    });
    worker.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ImportOutOfMemory() : error;
    });
    worker.once('exit', () => {
      clearTimeout(grace);
      if (reply) {
        if (reply.ok) resolve();
        else reject(new ImportThreadFailed(reply.message, reply.stack, reply.code));
        return;
      }
      const error = failure instanceof ImportOutOfMemory ? failure : new ImportThreadFailed(failure ? `${THREAD_DIED}: ${failure.message}` : THREAD_DIED, failure?.stack);
      endSessions(db, applicationName).then(() => reject(error), () => reject(error));
    });
  });
}
