/**
 * Imports on the job queue. A batch's state in PostgreSQL is the durable request: the sweep (every
 * two seconds in each server, and a once-a-minute schedule of the queue) claims batches waiting
 * for a runner or whose runner died (its lease lapsed) and sends one `import-run` job per claim;
 * the job runs the dry run or the commit under that lease. A restart after kill -9 therefore
 * resumes every unfinished batch once its lease lapses, and the lease keeps two runners apart.
 */
import type PgBoss from 'pg-boss';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { claimLapsedBatches, countRunFailure, getBatch, holdLease, releaseLease } from './imports.queries.js';
import { failCommit, failDryRun, LEASE_SECONDS, removePartialRejects, runCommit, runDryRun, type ImportFiles } from './import-run.js';
import { ImportOutOfMemory, runStepInThread, type ImportStep, type ImportThread } from './import-thread.js';

export const IMPORT_RUN_JOB = 'import-run';
export const IMPORT_SWEEP_JOB = 'import-sweep';
const SWEEP_EVERY_MS = 2000;
/** Unexpected failures in a row after which a commit is given up (the dry run already ends itself on any error). */
export const MAX_RUN_FAILURES = 3;

/**
 * Runs one batch's next step under the lease `token`: in a thread of its own when `thread` is given
 * (the portal's jobs and the command line: import-thread.ts), else here (tests of the steps).
 * False when the batch is not this runner's to run (gone, or its lease another's).
 */
export async function runBatch(db: Db, files: ImportFiles, batchId: number, token: string, logger: Logger, thread?: ImportThread): Promise<boolean> {
  const batch = await getBatch(db, batchId);
  if (!batch) return false;
  const step: ImportStep | undefined = batch.state === 'dry_running' ? 'dry-run' : batch.state === 'queued' || batch.state === 'committing' ? 'commit' : undefined;
  // A job that comes late, with a lease the sweep has since given another runner, touches nothing
  // (a dry run starts by clearing what was staged).
  if (!(await holdLease(db, batchId, token, LEASE_SECONDS))) return false;
  try {
    if (step) await runStep(db, files, step, batchId, token, logger, thread);
  } catch (error) {
    if (error instanceof ImportOutOfMemory) {
      logger.warn({ batchId, step, heapMb: thread?.heapMb }, 'import step outgrew its heap: the batch is ended');
      if (step === 'dry-run') await failDryRun(db, files, batchId, 'out_of_memory', token);
      else await failCommit(db, batchId, 'out_of_memory', token);
      return true;
    }
    // A dry run's thread that died left its half-written rejects workbook; the next run writes its own.
    if (step === 'dry-run') await removePartialRejects(files, batchId, token);
    // The sweep runs the step again once the lease is released; a step that keeps failing ends the
    // batch with a message (nothing was written: the flip is one transaction) instead of looping unseen.
    const failures = await countRunFailure(db, batchId);
    logger.error({ err: error, batchId, state: batch.state, failures }, 'import step failed');
    if (failures >= MAX_RUN_FAILURES) {
      // A dry run ends itself on any error of its own; one whose thread keeps dying is ended here.
      if (step === 'commit') await failCommit(db, batchId, 'unexpected', token);
      else if (step === 'dry-run') await failDryRun(db, files, batchId, 'dry_run_unexpected', token);
    }
    throw error;
  } finally {
    await releaseLease(db, batchId, token);
  }
  return true;
}

/** One step of a batch, in a thread of its own when `thread` is given. */
export async function runStep(db: Db, files: ImportFiles, step: ImportStep, batchId: number, token: string, logger: Logger, thread?: ImportThread): Promise<void> {
  if (thread) await runStepInThread(db, { thread, files, step, batchId, token });
  else if (step === 'dry-run') await runDryRun(db, files, batchId, logger, token);
  else await runCommit(db, files, batchId, logger, token);
}

export async function sweepImports(db: Db, boss: PgBoss): Promise<number> {
  const claimed = await claimLapsedBatches(db, LEASE_SECONDS);
  for (const c of claimed) await boss.send(IMPORT_RUN_JOB, { batchId: c.id, token: c.token }, { retryLimit: 0, expireInSeconds: 6 * 3600 });
  return claimed.length;
}

export async function registerImportJobs(boss: PgBoss, db: Db, files: ImportFiles, logger: Logger, thread: ImportThread): Promise<() => void> {
  await boss.createQueue(IMPORT_RUN_JOB, { name: IMPORT_RUN_JOB, retryLimit: 0, expireInSeconds: 6 * 3600 });
  await boss.createQueue(IMPORT_SWEEP_JOB, { name: IMPORT_SWEEP_JOB, retryLimit: 0, expireInSeconds: 300 });
  await boss.schedule(IMPORT_SWEEP_JOB, '* * * * *', {});
  await boss.work<{ batchId: number; token: string }>(IMPORT_RUN_JOB, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    await runBatch(db, files, Number(job.data.batchId), String(job.data.token), logger, thread);
  });
  await boss.work(IMPORT_SWEEP_JOB, async () => {
    await sweepImports(db, boss);
  });
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      await sweepImports(db, boss);
    } catch (error) {
      logger.warn({ err: error }, 'import sweep failed');
    }
    if (!stopped) timer = setTimeout(tick, SWEEP_EVERY_MS);
  };
  let timer = setTimeout(tick, 200);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
