/**
 * An import's step (the dry run or the commit) in a worker thread of its own, with a heap of its
 * own: a province's workbook leaves hundreds of MB of garbage behind it (exceljs's parse of 100,000
 * rows, the chunks held across queries) that V8, with the machine's memory to grow into, collects
 * late, in the portal's one heap. In a thread the heap is bounded (IMPORT_HEAP_MB) and given back
 * whole when the step ends; a file that needs more than that (a hostile workbook's millions of
 * shared strings) ends its own thread with a clear reason, not the portal serving the public.
 *
 * The thread opens a small pool of its own to the same database; the batch's lease, taken by the
 * caller, keeps every other runner away as before.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { ImportFiles } from './import-run.js';

/** `statementTimeoutMs`: the thread's pool's, as the portal's (the flip lifts it for its own transaction). */
export type ImportThread = { databaseUrl: string; heapMb: number; logLevel: string; statementTimeoutMs?: number };

/** The thread of the portal's imports: `config.databaseUrl` as the portal resolved it (portal.ts). */
export const importThreadOf = (config: Pick<Config, 'databaseUrl' | 'importHeapMb' | 'logLevel' | 'databaseStatementTimeoutMs'>): ImportThread => ({
  databaseUrl: config.databaseUrl, heapMb: config.importHeapMb, logLevel: config.logLevel, statementTimeoutMs: config.databaseStatementTimeoutMs,
});

export type ImportStep = 'dry-run' | 'commit';

export type ImportThreadData = { thread: ImportThread; files: ImportFiles; step: ImportStep; batchId: number; token: string };

export type ImportThreadReply = { ok: true } | { ok: false; message: string; stack?: string };

/** The step outgrew its heap: the batch is ended with this reason (problems.ts words it). */
export class ImportOutOfMemory extends Error {
  constructor() {
    super('out_of_memory');
  }
}

/** The failure of a step in the thread, as its message (PostgreSQL's own, say) and stack. */
export class ImportThreadFailed extends Error {
  constructor(message: string, stack?: string) {
    super(message);
    if (stack) this.stack = stack;
  }
}

// The project runs its TypeScript through tsx; a worker thread does not inherit the loader, so the
// thread's first step registers it and then imports the step's module.
const entry = new URL(`./import-thread.worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
const boot = import.meta.url.endsWith('.ts')
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
  : `import(${JSON.stringify(entry)})`;

/** Runs one step of a batch in a new thread and waits for it to end. */
export function runStepInThread(data: ImportThreadData): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    const worker = new Worker(boot, {
      eval: true,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: data.thread.heapMb, maxYoungGenerationSizeMb: 16 },
      // The thread's logger writes to this process's stdout, like the rest of the portal.
      stdout: false,
      stderr: false,
    });
    // The step's outcome comes as a message; it is passed on once the thread has closed its pool and ended.
    let reply: ImportThreadReply | undefined;
    worker.once('message', (m: ImportThreadReply) => (reply = m));
    worker.once('error', (error: NodeJS.ErrnoException) => settle(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ImportOutOfMemory() : error));
    worker.once('exit', (code) => {
      if (reply) settle(reply.ok ? undefined : new ImportThreadFailed(reply.message, reply.stack));
      else settle(new ImportThreadFailed(`the import thread ended with code ${code} before its step did`));
    });
  });
}
