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
import { claimLapsedBatches, countRunFailure, getBatch, releaseLease } from './imports.queries.js';
import { failCommit, LEASE_SECONDS, runCommit, runDryRun, type ImportFiles } from './import-run.js';

export const IMPORT_RUN_JOB = 'import-run';
export const IMPORT_SWEEP_JOB = 'import-sweep';
const SWEEP_EVERY_MS = 2000;
/** Unexpected failures in a row after which a commit is given up (the dry run already ends itself on any error). */
export const MAX_RUN_FAILURES = 3;

/** Runs one batch's next step under the lease `token`. */
export async function runBatch(db: Db, files: ImportFiles, batchId: number, token: string, logger: Logger): Promise<void> {
  const batch = await getBatch(db, batchId);
  if (!batch) return;
  try {
    if (batch.state === 'dry_running') await runDryRun(db, files, batchId, logger, token);
    else if (batch.state === 'queued' || batch.state === 'committing') await runCommit(db, files, batchId, logger, token);
  } catch (error) {
    // The sweep runs the step again once the lease is released; a step that keeps failing ends the
    // batch with a message (nothing was written: the flip is one transaction) instead of looping unseen.
    const failures = await countRunFailure(db, batchId);
    logger.error({ err: error, batchId, state: batch.state, failures }, 'import step failed');
    if (failures >= MAX_RUN_FAILURES && batch.state !== 'dry_running') await failCommit(db, batchId, 'unexpected');
    throw error;
  } finally {
    await releaseLease(db, batchId, token);
  }
}

export async function sweepImports(db: Db, boss: PgBoss): Promise<number> {
  const claimed = await claimLapsedBatches(db, LEASE_SECONDS);
  for (const c of claimed) await boss.send(IMPORT_RUN_JOB, { batchId: c.id, token: c.token }, { retryLimit: 0, expireInSeconds: 6 * 3600 });
  return claimed.length;
}

export async function registerImportJobs(boss: PgBoss, db: Db, files: ImportFiles, logger: Logger): Promise<() => void> {
  await boss.createQueue(IMPORT_RUN_JOB, { name: IMPORT_RUN_JOB, retryLimit: 0, expireInSeconds: 6 * 3600 });
  await boss.createQueue(IMPORT_SWEEP_JOB, { name: IMPORT_SWEEP_JOB, retryLimit: 0, expireInSeconds: 300 });
  await boss.schedule(IMPORT_SWEEP_JOB, '* * * * *', {});
  await boss.work<{ batchId: number; token: string }>(IMPORT_RUN_JOB, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    await runBatch(db, files, Number(job.data.batchId), String(job.data.token), logger);
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
