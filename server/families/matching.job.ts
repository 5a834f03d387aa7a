/**
 * Keeping family requests matching as graves change, on the job queue. The trigger on graves
 * writes grave_match_outbox in the same transaction as the change; this job drains it every
 * minute (drainAllGraveChanges, which tests call directly). Several servers may run it: each batch
 * claims its rows with SKIP LOCKED, and a candidate is unique per request and grave, so a batch
 * run twice adds nothing twice; a batch killed midway rolls back whole and is taken again.
 */
import type PgBoss from 'pg-boss';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { drainAllGraveChanges } from './matching.service.js';

export const FAMILY_MATCHING_JOB = 'family-matching';
const EVERY_MINUTE = '* * * * *';

export async function registerFamilyMatchingJob(boss: PgBoss, db: Db, logger: Logger): Promise<void> {
  await boss.createQueue(FAMILY_MATCHING_JOB, { name: FAMILY_MATCHING_JOB, retryLimit: 5, retryDelay: 30, expireInSeconds: 900, policy: 'singleton' });
  await boss.schedule(FAMILY_MATCHING_JOB, EVERY_MINUTE, {});
  await boss.work(FAMILY_MATCHING_JOB, async () => {
    const n = await drainAllGraveChanges(db, logger);
    if (n) logger.info({ graveChanges: n }, 'family requests matched against changed graves');
  });
}
