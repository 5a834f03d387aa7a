/**
 * The project's one job queue: pg-boss 10 (the newest needs Node 22) in PostgreSQL, in its own
 * schema, so a job is a row written like any other and several app servers share one queue; a cron
 * schedule fires once per tick however many servers run. Started by server/portal.ts inside the
 * server process and stopped on shutdown after the jobs in hand finish.
 */
import PgBoss from 'pg-boss';
import type { Logger } from '../logger.js';

/** pg-boss's own tables live here, apart from the portal's. */
export const JOB_QUEUE_SCHEMA = 'pgboss';
/** Connections the queue opens beside the app's pool: polling and the odd job need few. */
const JOB_QUEUE_POOL_MAX = 2;
/** How long a shutdown waits for running jobs before it cuts them. */
const STOP_TIMEOUT_MS = 10_000;

export type JobQueue = {
  boss: PgBoss;
  stop(): Promise<void>;
};

export type JobQueueOptions = {
  /** Whether this process fires cron schedules (all servers may; pg-boss keeps it to one job per tick). */
  schedule?: boolean;
};

export async function startJobQueue(databaseUrl: string, logger: Logger, options: JobQueueOptions = {}): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOB_QUEUE_SCHEMA,
    max: JOB_QUEUE_POOL_MAX,
    application_name: 'mo-liet-si jobs',
    schedule: options.schedule ?? true,
  });
  // An unhandled 'error' event would end the process: pg-boss reports failed polls here and retries.
  boss.on('error', (error: Error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: STOP_TIMEOUT_MS });
    },
  };
}
