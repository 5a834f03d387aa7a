/**
 * Retention on real PostgreSQL and the real pg-boss: what is kept for a purpose goes once the
 * purpose is over, the audit log stays append-only but for the one audited purge, and the purge is
 * a daily job of the queue.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importFromCli } from '../../server/imports/import-cli.js';
import { rejectsFileKey, storedFilePath } from '../../server/imports/import-run.js';
import { startDryRun } from '../../server/imports/imports.service.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/knex.js';
import { startJobs } from '../../server/jobs/jobs.js';
import { RETENTION_CRON, RETENTION_JOB } from '../../server/retention/retention.job.js';
import { runRetention } from '../../server/retention/retention.service.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, signInForm } from '../support/staff.js';

const hex64 = () => randomBytes(32).toString('hex');
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

describe('retention', () => {
  let t: TestDatabase;
  let staff: { id: number; email: string };
  let dir: string;
  let importFiles: { dir: string };
  const config = () => testConfig({ DATABASE_URL: t.url });

  beforeAll(async () => {
    t = await createTestDatabase('retention');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-retention-'));
    importFiles = { dir: path.join(dir, 'imports') };
    staff = await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }]);
  });
  afterAll(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const session = async (fields: { expires_at: Date; last_seen_at: Date; revoked_at?: Date }) => {
    const id_hash = hex64();
    await t.db('sessions').insert({ id_hash, user_id: staff.id, csrf_token: 'x', created_at: daysAgo(60), ...fields });
    return id_hash;
  };
  const reset = async (fields: { expires_at: Date; used_at?: Date }) => {
    const token_hash = hex64();
    await t.db('password_resets').insert({ token_hash, user_id: staff.id, created_at: daysAgo(60), ...fields });
    return token_hash;
  };
  const submission = async (createdAt: Date, ip: string) =>
    Number(
      (
        await t
          .db('submissions')
          .insert({ tracking_code: `T-${randomBytes(4).toString('hex')}`, kind: 'new_person', sender_name: 'Nguyễn Thị Hoa', sender_contact: '0912 345 678', message: 'Gia đình tôi có giấy báo tử.', sender_ip: ip, created_at: createdAt })
          .returning('id')
      )[0]!.id,
    );

  it('deletes sessions and reset links once they ended a week ago, and keeps the rest', async () => {
    const live = await session({ expires_at: daysAgo(-1), last_seen_at: new Date() });
    const expiredLongAgo = await session({ expires_at: daysAgo(10), last_seen_at: daysAgo(10) });
    const idleLongAgo = await session({ expires_at: daysAgo(-1), last_seen_at: daysAgo(9) });
    const signedOutLongAgo = await session({ expires_at: daysAgo(-1), last_seen_at: daysAgo(8), revoked_at: daysAgo(8) });
    const endedYesterday = await session({ expires_at: daysAgo(1), last_seen_at: daysAgo(1) });
    const unused = await reset({ expires_at: daysAgo(-1) });
    const usedLongAgo = await reset({ expires_at: daysAgo(-1), used_at: daysAgo(8) });
    const expiredResetLongAgo = await reset({ expires_at: daysAgo(8) });

    const result = await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles);

    const sessions = (await t.db('sessions').pluck('id_hash')) as string[];
    expect(sessions).toEqual(expect.arrayContaining([live, endedYesterday]));
    for (const gone of [expiredLongAgo, idleLongAgo, signedOutLongAgo]) expect(sessions).not.toContain(gone);
    const resets = (await t.db('password_resets').pluck('token_hash')) as string[];
    expect(resets).toContain(unused);
    expect(resets).not.toContain(usedLongAgo);
    expect(resets).not.toContain(expiredResetLongAgo);
    expect(result.sessions).toBeGreaterThanOrEqual(3);
    expect(result.resetTokens).toBeGreaterThanOrEqual(2);
  });

  it('clears the sender address of submissions older than 30 days and keeps the submissions', async () => {
    const old = await submission(daysAgo(31), '203.0.113.20');
    const recent = await submission(daysAgo(2), '203.0.113.21');
    await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles);
    expect(await t.db('submissions').where({ id: old }).first()).toMatchObject({ sender_ip: null, sender_name: 'Nguyễn Thị Hoa' });
    expect((await t.db('submissions').where({ id: recent }).first()).sender_ip).toBe('203.0.113.21');
  });

  it('removes failed sign-in identifiers older than 30 days from the audit log, and audits the purge', async () => {
    // A real failed sign-in now, and one as the app wrote it 40 days ago.
    const app = await testApp(t.db);
    const agent = request.agent(app);
    const csrf = await signInForm(agent);
    await agent.post('/quan-ly/dang-nhap').type('form').send({ identifier: staff.email, password: 'mật khẩu gõ nhầm hôm nay', _csrf: csrf });
    const recent = await t.db('audit_log').where({ action: 'session.sign_in_failed' }).orderBy('id', 'desc').first();
    expect(recent.after.identifier).toBe(staff.email);
    const [old] = await t
      .db('audit_log')
      .insert({ action: 'session.sign_in_failed', entity_type: 'session', entity_id: staff.id, after: JSON.stringify({ identifier: 'matkhaugonham2024' }), ip: '203.0.113.30', at: daysAgo(40) })
      .returning('id');

    const result = await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles);

    expect(result.failedSignInIdentifiers).toBe(1);
    const purged = await t.db('audit_log').where({ id: old.id }).first();
    expect(purged.after).toEqual({ identifierPurged: true });
    expect(purged).toMatchObject({ action: 'session.sign_in_failed', ip: '203.0.113.30' });
    expect(Number(purged.entity_id)).toBe(staff.id);
    expect((await t.db('audit_log').where({ id: recent.id }).first()).after.identifier).toBe(staff.email);
    const audited = await t.db('audit_log').where({ action: 'audit.failed_sign_in_identifiers_purged' }).orderBy('id', 'desc').first();
    expect(audited.after).toMatchObject({ count: 1 });
    expect(audited.at.getTime()).toBeGreaterThan(Date.now() - 60_000);

    // A second run finds nothing left, and writes no empty audit row.
    expect((await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles)).failedSignInIdentifiers).toBe(0);
    expect(Number((await t.db('audit_log').where({ action: 'audit.failed_sign_in_identifiers_purged' }).count({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('deletes rate-limit hits once past every window, with the identifiers typed into their keys, and keeps current ones', async () => {
    const typed = 'sign-in:typed:matkhaugonham';
    const [old] = await t.db('rate_limit_hits').insert({ key: typed, at: daysAgo(2) }).returning('id');
    const [current] = await t.db('rate_limit_hits').insert({ key: 'submission:address:203.0.113.40', at: new Date() }).returning('id');
    const result = await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles);
    expect(result.rateLimitHits).toBeGreaterThanOrEqual(1);
    const left = (await t.db('rate_limit_hits').pluck('id')).map(Number);
    expect(left).not.toContain(Number(old.id));
    expect(left).toContain(Number(current.id));
    // The open-data counters hold addresses in their keys too.
    await t.db('rate_limit_counters').insert([{ key: 'ogc:203.0.113.41', window_start: daysAgo(2), hits: 7 }, { key: 'ogc:203.0.113.42', window_start: new Date(), hits: 1 }]);
    expect((await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles)).rateLimitCounters).toBe(1);
    expect(await t.db('rate_limit_counters').pluck('key')).toEqual(['ogc:203.0.113.42']);
  });

  it('removes a provincial upload, its staged rows and its rejects workbook a month after the batch last moved', async () => {
    const exists = (file: string) => access(file).then(() => true, () => false);
    // Every column of a province's export, the relatives' telephone numbers too, is in these files.
    const csv = async (name: string, rows: string) => {
      const file = path.join(dir, name);
      await writeFile(file, `Họ và tên,Năm sinh,Quê quán,Số điện thoại thân nhân\n${rows}`);
      return file;
    };
    const run = async (name: string, rows: string, dryRun: boolean) => importFromCli(t.db, importFiles, silentLogger, { provinceCode: '33', sourceName: name, file: await csv(`${name}.csv`, rows), dryRun });
    const old = await run('Cũ', 'Vũ Văn Khải,1950,Hưng Yên,0912345678\nkhông rõ,abc,Hưng Yên,0987654321\n', true);
    const recent = await run('Mới', 'Vũ Văn Hoà,1951,Hưng Yên,0912000000\nkhông rõ,xyz,Hưng Yên,0911111111\n', true);
    const committed = await run('Đã ghi', 'Vũ Văn Lâm,1952,Hưng Yên,0913000000\nkhông rõ,qqq,Hưng Yên,0914000000\n', false);
    expect([old.state, recent.state, committed.state]).toEqual(['dry_run', 'dry_run', 'committed']);
    const batch = (id: number) => t.db('import_batches').where({ id }).first();
    const oldUpload = storedFilePath(importFiles, await batch(old.batchId));
    expect(await exists(oldUpload)).toBe(true);
    // A run that died left a half-written rejects workbook behind: it goes too.
    await writeFile(path.join(importFiles.dir, `${rejectsFileKey(old.batchId)}.0123456789ab.partial`), 'half');
    await t.db('import_batches').whereIn('id', [old.batchId, committed.batchId]).update({ updated_at: daysAgo(40) });

    const result = await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles);
    expect(result).toMatchObject({ importUploads: 1, importBatches: 2 });
    expect(await exists(oldUpload)).toBe(false);
    expect(await exists(path.join(importFiles.dir, rejectsFileKey(old.batchId)))).toBe(false);
    expect(await exists(path.join(importFiles.dir, `${rejectsFileKey(old.batchId)}.0123456789ab.partial`))).toBe(false);
    expect(await batch(old.batchId)).toMatchObject({ state: 'failed', error: 'expired', file_key: null, rows_staged_through: 0 });
    expect((await batch(old.batchId)).counts).toMatchObject({ rejectsRemoved: 30 });
    expect((await batch(old.batchId)).counts.staged).toBeUndefined();
    expect(Number((await t.db('import_rows').where({ batch_id: old.batchId }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(0);
    // It cannot be dry-run again from a file that is gone: the province uploads it anew.
    await expect(startDryRun(t.db, old.batchId)).rejects.toMatchObject({ reason: 'expired' });
    // A committed batch keeps its records and state; only its rejects workbook goes.
    expect(await exists(path.join(importFiles.dir, rejectsFileKey(committed.batchId)))).toBe(false);
    expect(await batch(committed.batchId)).toMatchObject({ state: 'committed', error: null });
    expect(await t.db('martyrs').where({ full_name: 'Vũ Văn Lâm' }).first()).toBeDefined();
    // A batch that moved within the month keeps everything.
    expect(await exists(storedFilePath(importFiles, await batch(recent.batchId)))).toBe(true);
    expect(await exists(path.join(importFiles.dir, rejectsFileKey(recent.batchId)))).toBe(true);
    expect(await batch(recent.batchId)).toMatchObject({ state: 'dry_run' });
    // A second run finds nothing left.
    expect(await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles)).toMatchObject({ importUploads: 0, importBatches: 0 });
    // The batch's page says what happened, and offers neither the workbook nor a new dry run.
    const app = await testApp(t.db, { config: testConfig({ DATABASE_URL: t.url, DATA_DIR: dir }) });
    const { agent } = await signIn(app, staff.email);
    const page = await agent.get(`/quan-ly/nhap-du-lieu/${old.batchId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('hết thời hạn');
    expect(page.text).toContain('id="rejects-removed"');
    expect(page.text).toContain('30 ngày');
    expect(page.text).not.toContain('id="rejects-download"');
    expect((await agent.get(`/quan-ly/nhap-du-lieu/${old.batchId}/loi.xlsx`)).status).toBe(404);
  });

  it('leaves a batch someone holds to the next run: a dry run or commit asked for meanwhile is never left without its file', async () => {
    const file = path.join(dir, 'held.csv');
    await writeFile(file, 'Họ và tên,Năm sinh,Quê quán\nPhạm Văn Giữ,1949,Hưng Yên\n');
    const held = await importFromCli(t.db, importFiles, silentLogger, { provinceCode: '33', sourceName: 'Đang giữ', file, dryRun: true });
    await t.db('import_batches').where({ id: held.batchId }).update({ updated_at: daysAgo(40) });
    const holder = await t.db.transaction();
    try {
      await holder('import_batches').where({ id: held.batchId }).forUpdate().first();
      expect(await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles)).toMatchObject({ importUploads: 0, importBatches: 0 });
      expect(await t.db('import_batches').where({ id: held.batchId }).first()).toMatchObject({ state: 'dry_run' });
    } finally {
      await holder.rollback();
    }
    expect(await runRetention(t.db, config().retention, config().session.idleMinutes, silentLogger, importFiles)).toMatchObject({ importUploads: 1, importBatches: 1 });
    expect(await t.db('import_batches').where({ id: held.batchId }).first()).toMatchObject({ state: 'failed', error: 'expired' });
  });

  it('keeps no table of failed sign-ins with what was typed (sign_in_failures is gone)', async () => {
    expect((await t.db.raw("SELECT to_regclass('public.sign_in_failures') AS t")).rows[0].t).toBeNull();
  });

  it('runs past the server pool\'s statement timeout: a purge is not a request', async () => {
    // The server's pool cancels statements after 200 ms; a purge waiting 600 ms on a lock must not be.
    const pool = createDb(t.url, 2, silentLogger, { statementMs: 200 });
    const holder = await t.db.transaction();
    try {
      await holder.raw('LOCK TABLE sessions IN SHARE MODE');
      const run = runRetention(pool, config().retention, config().session.idleMinutes, silentLogger, importFiles);
      setTimeout(() => void holder.commit(), 600);
      await expect(run).resolves.toMatchObject({ sessions: expect.any(Number) });
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
      await pool.destroy();
    }
  });

  it('keeps the audit log append-only outside the purge, even with the purge setting turned on by hand', async () => {
    const row = await t.db('audit_log').where({ action: 'session.sign_in_failed' }).orderBy('id', 'desc').first();
    await expect(t.db('audit_log').where({ id: row.id }).update({ after: JSON.stringify({ identifierPurged: true }) })).rejects.toThrow(/append-only/);
    await expect(t.db('audit_log').where({ id: row.id }).delete()).rejects.toThrow(/append-only/);
    await expect(
      t.db.transaction(async (trx) => {
        await trx.raw("SET LOCAL mls.audit_identifier_purge = 'on'");
        // Only the identifier may go: changing the address too is refused.
        await trx('audit_log').where({ id: row.id }).update({ after: JSON.stringify({ identifierPurged: true }), ip: null });
      }),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.transaction(async (trx) => {
        await trx.raw("SET LOCAL mls.audit_identifier_purge = 'on'");
        await trx('audit_log').where({ action: 'audit.failed_sign_in_identifiers_purged' }).delete();
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('runs daily on the job queue (pg-boss in PostgreSQL), and a queued run does the purge', async () => {
    const jobs = await startJobs(config(), t.db, silentLogger, testMeili());
    try {
      const schedules = await jobs.boss.getSchedules();
      expect(schedules.find((s) => s.name === RETENTION_JOB)).toMatchObject({ cron: RETENTION_CRON });
      const old = await submission(daysAgo(45), '203.0.113.40');
      const jobId = await jobs.boss.send(RETENTION_JOB, {});
      expect(jobId).toBeTruthy();
      const deadline = Date.now() + 30_000;
      let state: string | undefined;
      while (Date.now() < deadline && state !== 'completed' && state !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = (await jobs.boss.getJobById(RETENTION_JOB, jobId!))?.state;
      }
      expect(state).toBe('completed');
      expect((await t.db('submissions').where({ id: old }).first()).sender_ip).toBeNull();
    } finally {
      await jobs.stop();
    }
  });
});
