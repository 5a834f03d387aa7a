/**
 * kill -9 of a worker process in the middle of reading a page: the job expires, another worker
 * takes it again, and the page ends read once (its attempt counted, its text and flags not doubled).
 */
import { spawn } from 'node:child_process';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { DOSSIER_OCR_JOB } from '../../server/dossiers/dossier-deps.js';
import { registerDossierJobs } from '../../server/dossiers/dossier.jobs.js';
import { renderPages } from '../../server/dossiers/dossier-files.js';
import { JOB_QUEUE_SCHEMA } from '../../server/jobs/job-queue.js';
import { jobSenderOf } from '../../server/jobs/job-sender.js';
import { scanPage } from '../../seeds/demo/scan-pages.js';
import { dossierBed, until, type DossierBed } from '../support/dossiers.js';

describe('kill -9 of a dossier worker mid-page', () => {
  let bed: DossierBed;
  let boss: PgBoss;

  beforeAll(async () => {
    bed = await dossierBed('dossierkill', { queue: false });
    // Checked every second, and a job given 20 s before it counts as cut off: the test need not wait the real 10 minutes.
    boss = new PgBoss({ connectionString: bed.t.url, schema: JOB_QUEUE_SCHEMA, max: 2, schedule: false, maintenanceIntervalSeconds: 1 });
    await boss.start();
    await boss.createQueue(DOSSIER_OCR_JOB, { name: DOSSIER_OCR_JOB, retryLimit: 5, retryDelay: 1, expireInSeconds: 20 });
  }, 120_000);

  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true, timeout: 2000 });
    await bed?.close();
  });

  it('reads the page again, once, after the worker holding it is killed', async () => {
    const { db } = bed.t;
    const martyrId = Number((await db('martyrs').insert({ full_name: 'Lê Văn Cường', death_year: 1970, hometown_province_code: '42' }).returning('id'))[0]!.id);
    const [doc] = await db('dossier_documents').insert({ martyr_id: martyrId, kind: 'death_notice', file_name: 'x.png', media_type: 'image/png', content_hash: 'c'.repeat(64), original_key: 'originals/x.png', bytes: 1, page_count: 1, state: 'ready' }).returning('id');
    const png = await scanPage(['GIẤY BÁO TỬ', 'Họ và tên: Lê Văn Cường', 'Đã hy sinh ngày 2 tháng 9 năm 1971', 'Đơn vị: Tiểu đoàn 4, Trung đoàn 48'], { noise: 0.002 });
    let pageId = 0;
    await renderPages(png, 'image/png', 1, async (page) => {
      for (const size of ['full', 'page', 'thumb'] as const) await bed.deps.store.put(`pages/${doc!.id}/1.${size}.jpg`, page.copies[size]);
      const [row] = await db('dossier_pages').insert({ document_id: doc!.id, page_number: 1, width: page.width, height: page.height, full_key: `pages/${doc!.id}/1.full.jpg`, page_key: `pages/${doc!.id}/1.page.jpg`, thumb_key: `pages/${doc!.id}/1.thumb.jpg` }).returning('id');
      pageId = Number(row!.id);
    });
    await db.transaction((trx) => jobSenderOf(boss).send(trx, DOSSIER_OCR_JOB, { pageId }));

    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/support/dossier-worker.ts'], {
      cwd: ROOT_DIR,
      env: { ...process.env, DATABASE_URL: bed.t.url, DATA_DIR: bed.config.dataDir, MEILI_URL: inject('meiliUrl'), MEILI_MASTER_KEY: inject('meiliKey'), MEILI_DOSSIER_INDEX: bed.config.meiliDossierIndex, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout.on('data', (c: Buffer) => (output += c.toString()));
    worker.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await until(`the worker to take the page (${output})`, async () => (await db('dossier_pages').where({ id: pageId, ocr_state: 'running' }).first()) ?? undefined, 60_000);
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(worker.signalCode).toBe('SIGKILL');
    expect(await db('dossier_pages').where({ id: pageId }).first()).toMatchObject({ ocr_state: 'running', ocr_attempts: 1, ocr_text: null });

    // Another worker (this process) finds the job expired, retries it and reads the page.
    await registerDossierJobs(boss, { ...bed.deps, jobs: jobSenderOf(boss) });
    const done = await until('the page read after the kill', async () => (await db('dossier_pages').where({ id: pageId, ocr_state: 'done' }).first()) ?? undefined, 90_000);
    expect(done.ocr_attempts).toBe(2);
    expect(done.ocr_text).toContain('Lê Văn Cường');
    expect(done.ocr_text.split('Lê Văn Cường').length).toBe(2);
    // One job, completed: the cut-off run was retried, not sent again.
    const states = await until('the job completed', async () => {
      const { rows } = await db.raw<{ rows: { state: string }[] }>(`SELECT state FROM ${JOB_QUEUE_SCHEMA}.job WHERE name = ?`, [DOSSIER_OCR_JOB]);
      return rows.every((r) => r.state === 'completed') ? rows.map((r) => r.state) : undefined;
    }, 30_000);
    expect(states).toEqual(['completed']);
  }, 180_000);
});
