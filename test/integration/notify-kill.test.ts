/**
 * The sender killed with SIGKILL on both sides of the one window where a repeat can happen:
 * before the SMTP server accepted the message (nothing is lost: it goes once, later), and after
 * it accepted but before the portal recorded it (it goes again, with the same Message-ID).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { noticeMail } from '../../server/notify/mail-templates.js';
import { insertFollow, insertMails } from '../../server/notify/notify.queries.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const SITE = { baseUrl: 'http://portal.test', from: 'thu@portal.test' };

function startSender(t: TestDatabase, smtp: TestSmtp): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT_DIR, 'test/support/mail-sender-child.ts')], {
    cwd: ROOT_DIR, env: { ...process.env, DATABASE_URL: t.url, SMTP_URL: smtp.url, LEASE_SECONDS: '2' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

const arrival = (smtp: TestSmtp) => new Promise<() => void>((resolve) => {
  smtp.onData = (_raw, accept) => resolve(accept);
});

describe('the mail sender killed around the SMTP server’s acceptance', () => {
  let t: TestDatabase;
  let smtp: TestSmtp;
  let mailId: number;

  beforeAll(async () => {
    t = await createTestDatabase('notifykill');
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp?.close();
    await t?.drop();
  });

  async function queueOne(email: string): Promise<{ id: number; messageId: string }> {
    const follow = await t.db.transaction(async (trx) => {
      const f = await insertFollow(trx, {
        email, locale: 'vi', target_type: 'cemetery', target_id: 1, target_key: 'cemetery:1', target_path: '/nghia-trang/1', label: 'Nghĩa trang thử',
        cadence: 'immediate', confirm_token: `c${email.replace(/\W/g, '')}xxxxxxxxxxxxxxxxxxxx`, unsubscribe_token: `u${email.replace(/\W/g, '')}xxxxxxxxxxxxxxxxxxxx`, search_params: null,
      });
      await trx('follows').where({ id: f.id }).update({ status: 'active', confirmed_at: trx.fn.now() });
      return f;
    });
    const mail = noticeMail(SITE, follow, { id: 0, kind: 'cemetery_changed', subjects: ['cemetery:1'], details: {}, created_at: new Date(), attempts: 0 });
    const [id] = await t.db.transaction((trx) => insertMails(trx, [mail]));
    return { id: id!, messageId: mail.message_id };
  }

  it('killed before the server accepted: nothing is lost, and it goes exactly once', async () => {
    const queued = await queueOne('truoc@example.vn');
    mailId = queued.id;
    const arrived = arrival(smtp);
    const first = startSender(t, smtp);
    await arrived; // the whole message is at the server, which has not answered
    first.child.kill('SIGKILL');
    await first.exited;
    expect(smtp.received).toHaveLength(0);
    expect((await t.db('outgoing_mail').where({ id: mailId }).first()).sent_at).toBeNull();

    smtp.onData = null;
    await new Promise((r) => setTimeout(r, 2200)); // the dead sender's lease runs out
    const second = startSender(t, smtp);
    expect(await second.exited).toBe(0);
    expect(smtp.received.map((m) => m.messageId)).toEqual([queued.messageId]);
    const row = await t.db('outgoing_mail').where({ id: mailId }).first();
    expect(row.sent_at).not.toBeNull();
    expect(row.attempts).toBe(2);
  });

  it('killed after the server accepted but before it was recorded: sent again with the same Message-ID, then never more', async () => {
    const queued = await queueOne('sau@example.vn');
    const before = smtp.received.length;
    const arrived = arrival(smtp);
    const first = startSender(t, smtp);
    const accept = await arrived;
    // Hold the table so the sender cannot record what the server is about to accept.
    const blocker = new pg.Client({ connectionString: t.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE outgoing_mail IN SHARE MODE');
    accept();
    await new Promise((r) => setTimeout(r, 700)); // "250 OK" reached the sender, now waiting on the lock
    first.child.kill('SIGKILL');
    await first.exited;
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(smtp.received.length).toBe(before + 1);
    expect((await t.db('outgoing_mail').where({ id: queued.id }).first()).sent_at).toBeNull();

    smtp.onData = null;
    await new Promise((r) => setTimeout(r, 2200));
    const second = startSender(t, smtp);
    expect(await second.exited).toBe(0);
    const copies = smtp.received.slice(before);
    expect(copies).toHaveLength(2);
    expect(copies.map((m) => m.messageId)).toEqual([queued.messageId, queued.messageId]);
    // The same message, as stored when it was queued (only the MIME boundary is drawn anew).
    expect(copies[1]!.text).toBe(copies[0]!.text);
    expect(copies[1]!.subject).toBe(copies[0]!.subject);
    expect((await t.db('outgoing_mail').where({ id: queued.id }).first()).sent_at).not.toBeNull();

    const third = startSender(t, smtp);
    expect(await third.exited).toBe(0);
    expect(smtp.received.length).toBe(before + 2);
  });
});

describe('fan-out interrupted part-way', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('fanout');
  });
  afterAll(async () => t?.drop());

  it('resumes where the committed batches stopped: every follower once, however often it runs, and a failing event does not block the next', async () => {
    const { fanOutPending, queueNotification } = await import('../../server/notify/notify.service.js');
    const cemetery = Number((await t.db.raw(`INSERT INTO cemeteries (name, level, province_code, location) SELECT 'Nghĩa trang thử', 'province', code, ST_SetSRID(ST_MakePoint(105, 20), 4326) FROM provinces LIMIT 1 RETURNING id`)).rows[0].id);
    await t.db.raw(
      `INSERT INTO follows (email, locale, target_type, target_id, target_key, target_path, label, status, confirm_token, unsubscribe_token, confirmed_at)
       SELECT 'f' || g || '@example.vn', 'vi', 'cemetery', ?, 'cemetery:' || ?, '/nghia-trang/1', 'Thử', 'active', 'ct' || g || 'xxxxxxxxxxxxxxxxxxxx', 'ut' || g || 'xxxxxxxxxxxxxxxxxxxx', now()
       FROM generate_series(1, 7) g`,
      [cemetery, cemetery],
    );
    const bad = await t.db.transaction((trx) => queueNotification(trx, { kind: 'new_record', subjects: [], details: { martyrId: 1 } }));
    await t.db('follows').insert({ email: 's@example.vn', target_type: 'search', target_key: 'search:x', target_path: '/tim-kiem?q=x', label: 'x', status: 'active', confirm_token: 'cs'.padEnd(24, 'x'), unsubscribe_token: 'us'.padEnd(24, 'x'), confirmed_at: t.db.fn.now(), search_params: JSON.stringify({ q: 'x' }) });
    const event = await t.db.transaction((trx) => queueNotification(trx, { kind: 'cemetery_changed', subjects: [`cemetery:${cemetery}`] }));
    // A batch that committed before the process died: three followers already told.
    const told = await t.db('follows').where('target_type', 'cemetery').orderBy('id').limit(3).select('id');
    await t.db('notifications').insert(told.map((f) => ({ follow_id: f.id, event_id: event })));
    const matchSearch = async () => {
      throw new Error('the engine refused the saved search');
    };
    const deps = { db: t.db, site: SITE, batch: 2, matchSearch };
    const first = await fanOutPending(deps);
    expect(first.events).toBe(1);
    await fanOutPending(deps);
    const rows = await t.db('notifications').where({ event_id: event }).select('follow_id');
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.follow_id)).size).toBe(7);
    expect(await t.db('outgoing_mail').count<{ n: string }[]>('id as n').first().then((r) => Number(r?.n))).toBe(4);
    const failing = await t.db('notification_events').where({ id: bad }).first();
    expect(failing.fanned_out_at).toBeNull();
    expect(failing.attempts).toBe(2);
    expect(failing.last_error).toContain('refused');
  });
});
