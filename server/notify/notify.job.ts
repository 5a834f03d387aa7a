/**
 * Notifications on the job queue. `notify-run` fans out waiting changes and hands waiting mail to
 * SMTP; it runs when a committed change nudges it (pg_notify, delivered at commit) and every
 * minute besides (a nudge lost with a dying process, a lease run out, a retry due). The queue's
 * 'stately' policy keeps one run active and one waiting, however many servers are nudged.
 * `notify-daily` makes the digests and forgets what is no longer needed.
 */
import pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { SearchDeps } from '../search/search.service.js';
import { purgeOldIncense } from '../remembrance/remembrance.queries.js';
import { sendWaitingMail, smtpTransport, type MailTransport } from './mail-sender.js';
import type { MailSite } from './mail-templates.js';
import { deleteForgottenFollows, deleteOldEvents, deleteOldSentMail, deleteOldTrackingVisits, expireUnconfirmed, NOTIFY_CHANNEL } from './notify.queries.js';
import { CONFIRM_DAYS, fanOutPending, makeDigests, type SearchMatcher } from './notify.service.js';
import { searchMatcher } from './search-match.js';

export const NOTIFY_RUN_JOB = 'notify-run';
export const NOTIFY_DAILY_JOB = 'notify-daily';
/** Digests leave at 07:00 Vietnam time, when families read their mail in the morning. */
const DAILY_CRON = '0 7 * * *';
const TZ = 'Asia/Ho_Chi_Minh';

/** Where links in messages point: the public address, else this server. */
export const mailSiteOf = (config: Config): MailSite => ({ baseUrl: config.publicBaseUrl ?? `http://localhost:${config.port}`, from: config.mail.from });

export type NotifyRunDeps = { db: Db; site: MailSite; transport: MailTransport | undefined; matchSearch?: SearchMatcher; maxAttempts: number; logger: Logger; budgetMs?: number };

/** Fan-out, then sending, until neither has anything left (or the budget is spent). */
export async function runNotifications(deps: NotifyRunDeps): Promise<{ events: number; sent: number; more: boolean }> {
  const started = Date.now();
  const budget = deps.budgetMs ?? 50_000;
  let events = 0;
  let sent = 0;
  for (;;) {
    const fanned = await fanOutPending({ db: deps.db, site: deps.site, matchSearch: deps.matchSearch });
    events += fanned.events;
    const mail = deps.transport
      ? await sendWaitingMail(deps.db, deps.transport, { from: deps.site.from, maxAttempts: deps.maxAttempts, logger: deps.logger, budgetMs: Math.max(1000, budget - (Date.now() - started)) })
      : { sent: 0, failed: 0 };
    sent += mail.sent;
    if (fanned.events === 0 && fanned.notified === 0 && mail.sent === 0) return { events, sent, more: false };
    // Out of time with work left: the caller queues the next run at once rather than wait for the minute.
    if (Date.now() - started > budget) return { events, sent, more: true };
  }
}

/** The daily upkeep: digests, then what is kept no longer. */
export async function runDaily(db: Db, site: MailSite, logger: Logger): Promise<void> {
  const digests = await makeDigests(db, site);
  const expired = await expireUnconfirmed(db, CONFIRM_DAYS);
  const removed = {
    sentMail: await deleteOldSentMail(db, 30),
    follows: await deleteForgottenFollows(db, 30),
    events: await deleteOldEvents(db, 400),
    visits: await deleteOldTrackingVisits(db, 400),
    incense: await purgeOldIncense(db, 2),
  };
  logger.info({ digests, expired, removed }, 'notifications: daily upkeep done');
}

export async function registerNotifyJobs(boss: PgBoss, db: Db, config: Config, logger: Logger, search?: SearchDeps): Promise<() => Promise<void>> {
  const site = mailSiteOf(config);
  const transport = config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl) : undefined;
  if (!transport) logger.warn('SMTP_URL is not set: messages to followers wait (staff see them at /quan-ly/thu-cho-gui)');
  const deps: NotifyRunDeps = { db, site, transport, matchSearch: search ? searchMatcher(search) : undefined, maxAttempts: config.mail.maxAttempts, logger };

  await boss.createQueue(NOTIFY_RUN_JOB, { name: NOTIFY_RUN_JOB, policy: 'stately', retryLimit: 3, retryDelay: 15, expireInSeconds: 600 });
  await boss.schedule(NOTIFY_RUN_JOB, '* * * * *');
  await boss.work(NOTIFY_RUN_JOB, { pollingIntervalSeconds: 0.5 }, async () => {
    const { more } = await runNotifications(deps);
    if (more) await boss.send(NOTIFY_RUN_JOB, {});
  });
  await boss.createQueue(NOTIFY_DAILY_JOB, { name: NOTIFY_DAILY_JOB, retryLimit: 3, retryDelay: 600, expireInSeconds: 3600 });
  await boss.schedule(NOTIFY_DAILY_JOB, DAILY_CRON, {}, { tz: TZ });
  await boss.work(NOTIFY_DAILY_JOB, async () => {
    await runDaily(db, site, logger);
    await boss.send(NOTIFY_RUN_JOB, {});
  });

  // Committed changes say so on a channel; a nudge queues a run (the stately queue drops extras).
  const listener = new pg.Client({ connectionString: config.databaseUrl, application_name: 'mo-liet-si notify' });
  let closing = false;
  listener.on('error', (error) => {
    if (!closing) logger.warn({ err: error }, 'notification listener lost; the minute schedule still runs');
  });
  listener.on('notification', () => {
    boss.send(NOTIFY_RUN_JOB, {}).catch((error: unknown) => logger.warn({ err: error }, 'notification nudge failed'));
  });
  await listener.connect();
  await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
  await boss.send(NOTIFY_RUN_JOB, {});
  return async () => {
    closing = true;
    await listener.end().catch(() => undefined);
    transport?.close();
  };
}
