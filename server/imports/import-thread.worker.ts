/** The import thread (import-thread.ts): one step of one batch, on a pool of its own, then the end. */
import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '../db/knex.js';
import { createLogger } from '../logger.js';
import { runCommit, runDryRun } from './import-run.js';
import type { ImportThreadData, ImportThreadReply } from './import-thread.js';

const { thread, files, step, batchId, token, applicationName } = workerData as ImportThreadData;
// The step's own lines name the batch already; the thread says which step it runs.
const logger = createLogger(thread.logLevel).child({ step });
// The sessions carry the run's name, whatever the address says, so that endSessions finds them.
const url = new URL(thread.databaseUrl);
url.searchParams.delete('application_name');
const db = createDb(url.toString(), 3, logger, { statementMs: thread.statementTimeoutMs, applicationName });
let reply: ImportThreadReply;
try {
  if (step === 'dry-run') await runDryRun(db, files, batchId, logger, token);
  else await runCommit(db, files, batchId, logger, token);
  reply = { ok: true };
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  reply = { ok: false, message: e.message, stack: e.stack, code: (e as { code?: unknown }).code === undefined ? undefined : String((e as { code?: unknown }).code) };
} finally {
  await db.destroy();
}
parentPort!.postMessage(reply!);
