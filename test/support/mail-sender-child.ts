/**
 * A mail sender in a process of its own, for tests that kill it with SIGKILL: sends what waits
 * (one message at a time, short leases) to SMTP_URL from DATABASE_URL, then exits.
 */
import { createDb } from '../../server/db/knex.js';
import { createLogger } from '../../server/logger.js';
import { sendWaitingMail, smtpTransport } from '../../server/notify/mail-sender.js';

const db = createDb(process.env.DATABASE_URL!, 2, createLogger('silent'));
const transport = smtpTransport(process.env.SMTP_URL!);
const result = await sendWaitingMail(db, transport, { from: 'thu@portal.test', maxAttempts: 5, leaseSeconds: Number(process.env.LEASE_SECONDS ?? 2), batch: 1, concurrency: 1 });
process.stdout.write(`${JSON.stringify(result)}\n`);
transport.close();
await db.destroy();
