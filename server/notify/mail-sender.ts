/**
 * Hands waiting messages to the SMTP server. At least once, and a repeat only where it cannot be
 * avoided: a message is leased (so two senders never hold it), sent under the Message-ID it was
 * given when queued, and marked sent after the server accepted it. Dying before the server's
 * "250 OK" loses nothing (the lease runs out and it goes again); dying after it but before the
 * mark sends it once more, with the same Message-ID, which mail clients fold into one.
 */
import nodemailer from 'nodemailer';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { claimMail, markMailFailed, markMailSent, type ClaimedMail } from './notify.queries.js';

export type OutgoingMessage = {
  from: string; to: string; subject: string; text: string; html: string; messageId: string; unsubscribeUrl: string | null;
};

/** Whatever carries messages to an SMTP server; `send` resolves once the server accepted the message. */
export type MailTransport = { send(message: OutgoingMessage): Promise<void>; close(): void };

/** Connections kept open to the SMTP server: enough to keep a local relay busy, few enough for a provider's limits. */
const SMTP_CONNECTIONS = 5;

export function smtpTransport(smtpUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  const transporter = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    maxMessages: 1000,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    // A relay on the same machine without a certificate still gets STARTTLS when it offers it.
    tls: url.hostname === '127.0.0.1' || url.hostname === 'localhost' ? { rejectUnauthorized: false } : undefined,
  });
  return {
    async send(m) {
      await transporter.sendMail({
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        headers: {
          'Auto-Submitted': 'auto-generated',
          ...(m.unsubscribeUrl ? { 'List-Unsubscribe': `<${m.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
        },
      });
    },
    close() {
      transporter.close();
    },
  };
}

export type SendOptions = {
  from: string;
  maxAttempts: number;
  /** How long a sender may hold a message before another takes it (it died, or hangs). */
  leaseSeconds?: number;
  batch?: number;
  concurrency?: number;
  /** Stop after this long, leaving the rest for the next run. */
  budgetMs?: number;
  logger?: Logger;
};

const DEFAULT_LEASE_SECONDS = 300;

/** Sends what waits, batch by batch, until nothing may go now or the budget is spent. */
export async function sendWaitingMail(db: Db, transport: MailTransport, options: SendOptions): Promise<{ sent: number; failed: number }> {
  const started = Date.now();
  const budget = options.budgetMs ?? 50_000;
  const concurrency = options.concurrency ?? SMTP_CONNECTIONS * 2;
  let sent = 0;
  let failed = 0;
  while (Date.now() - started < budget) {
    const batch = await claimMail(db, options.batch ?? 200, options.leaseSeconds ?? DEFAULT_LEASE_SECONDS);
    if (!batch.length) break;
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const mail = batch[next++]!;
        if (await sendOne(db, transport, mail, options)) sent++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
  }
  return { sent, failed };
}

async function sendOne(db: Db, transport: MailTransport, mail: ClaimedMail, options: SendOptions): Promise<boolean> {
  try {
    await transport.send({ from: options.from, to: mail.email, subject: mail.subject, text: mail.text_body, html: mail.html_body, messageId: mail.message_id, unsubscribeUrl: mail.unsubscribe_url });
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    // A 5xx answer is the server's final word about this message: parked at once for staff.
    const permanent = typeof code === 'number' && code >= 500;
    await db.transaction((trx) => markMailFailed(trx, mail.id, mail.follow_id, `${code ?? ''} ${(error as Error).message}`.trim(), permanent ? 0 : options.maxAttempts));
    options.logger?.warn({ mailId: mail.id, code }, 'mail not accepted by the SMTP server');
    return false;
  }
  await db.transaction((trx) => markMailSent(trx, mail.id, mail.follow_id));
  return true;
}
