/**
 * A province officer imports a provincial workbook in Chromium (desktop), with the real job queue:
 * sign in, upload, check the preview and mapping, run the dry run, read the rejected rows, commit,
 * and watch the progress bar until the batch is committed; then the same page on a phone.
 * Screenshots go to test/artifacts/import-*.png.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImportJobs } from '../../server/imports/import.jobs.js';
import { encodeTcvn3 } from '../../server/imports/legacy-encodings.js';
import { startJobQueue, type JobQueue } from '../../server/jobs/job-queue.js';
import { launchBrowser, listen, screenshot, skipWithoutChromium } from '../support/browser.js';
import { PHONE } from '../support/phone.js';
import { createTestDatabase, silentLogger, testApp, testConfig, type TestDatabase } from '../support/services.js';
import { createStaff, TEST_PASSWORD } from '../support/staff.js';

describe.skipIf(skipWithoutChromium())('a province officer imports a workbook in Chromium', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let dir: string;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof listen>>;
  let queue: JobQueue;
  let stopSweep: () => void;
  let email: string;
  let file: string;
  const jobLog: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('importbrowser');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-importbrowser-'));
    await t.db.raw(`INSERT INTO cemeteries (name, level, province_code, location) VALUES ('Nghĩa trang liệt sĩ huyện Tiên Lữ', 'district', '33', ST_SetSRID(ST_MakePoint(106.1, 20.6), 4326))`);
    ({ email } = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '33', cemeteryId: null }], 'Cán bộ Sở Hưng Yên'));
    const app = await testApp(t.db, { config: testConfig({ DATA_DIR: dir }) });
    site = await listen(app);
    queue = await startJobQueue(t.url, silentLogger, { schedule: false });
    // The import jobs' warnings and errors are kept, for the message of a failed wait.
    const jobLogger = pino({ level: 'warn' }, { write: (line: string) => void jobLog.push(line.slice(0, 2000)) });
    // Each step in a thread of its own, as the portal runs them (import-thread.ts).
    stopSweep = await registerImportJobs(queue.boss, t.db, { dir: path.join(dir, 'imports') }, jobLogger, { databaseUrl: t.url, heapMb: 256, logLevel: 'warn' });
    browser = await launchBrowser();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Danh sách');
    ws.addRow(['STT', 'Mã hồ sơ', 'Họ và tên', 'Năm sinh', 'Nguyên quán', 'Ngày hy sinh', 'Đơn vị', 'Nghĩa trang', 'Vị trí mộ', 'Họ tên thân nhân']);
    const people = ['NGUYỄN VĂN THÀNH', 'Trần Văn Bình', 'Lê Văn Cường', 'Phạm Văn Dũng', 'Hoàng Văn Em', 'Đỗ Văn Phúc', 'Vũ Văn Giang', 'Bùi Văn Hải'];
    people.forEach((name, i) => ws.addRow([i + 1, `HS${i}`, name, i === 3 ? '31/2/1950' : 1945 + i, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', i % 2 ? 'T8/1972' : '12/8/1972', encodeTcvn3('Trung đoàn 64, Sư đoàn 320'), 'Nghĩa trang liệt sĩ huyện Tiên Lữ', `A-1-${i + 1}`, 'Nguyễn Thị Mai']));
    file = path.join(dir, 'ds-liet-si-hung-yen.xlsx');
    await writeFile(file, Buffer.from(await wb.xlsx.writeBuffer()));
  });

  afterAll(async () => {
    await browser?.close();
    stopSweep?.();
    await queue?.stop();
    await site?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads, maps, dry-runs, reads the rejects, commits and sees the progress end', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${site.base}/quan-ly/nhap-du-lieu`);
    await page.getByLabel('Email hoặc tên đăng nhập').fill(email);
    await page.getByLabel('Mật khẩu').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL(`${site.base}/quan-ly/nhap-du-lieu`);
    await page.getByLabel('Tên phần mềm / nguồn dữ liệu').fill('Phần mềm quản lý mộ 2019');
    await page.setInputFiles('#file', file);
    await screenshot(page, 'import-01-upload');
    await page.getByRole('button', { name: 'Tải lên và xem trước' }).click();
    await page.waitForURL(/\/quan-ly\/nhap-du-lieu\/\d+$/);
    // The TCVN3 column is detected and shown converted in the preview.
    expect(await page.locator('.im-preview').textContent()).toContain('Trung đoàn 64, Sư đoàn 320');
    expect(await page.locator('#field-2').inputValue()).toBe('full_name');
    expect(await page.locator('#field-9').inputValue()).toBe('');
    await screenshot(page, 'import-02-preview-mapping');
    await page.getByRole('button', { name: 'Lưu cách ghép cột và chạy thử' }).click();
    await page.waitForSelector('#dry-title', { timeout: 60_000 });
    expect((await page.locator('[data-count="rejected"] dd').textContent())?.trim()).toBe('1');
    expect(await page.locator('#loi').textContent()).toContain('ngày trong «31/2/1950» không có thật');
    await screenshot(page, 'import-03-dry-run');
    await page.locator('#commit').click();
    await page.waitForSelector('#import-done', { timeout: 90_000 }).catch(async (error: Error) => {
      // Say where the batch stood, so a failure on a CI machine can be read without its screenshots.
      const batch = await t.db('import_batches').first('state', 'error', 'run_failures', 'lease_until', 'rows_done', 'counts');
      const alerts = await page.locator('[role=alert], #import-progress-text').allTextContents().catch(() => []);
      throw new Error(`${error.message}\nbatch: ${JSON.stringify(batch)}\npage ${page.url()}: ${alerts.join(' | ')}\njob log: ${jobLog.join('\n')}`);
    });
    expect(await page.locator('#import-done').textContent()).toContain('7 mới');
    await screenshot(page, 'import-04-committed');
    const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN', storageState: await context.storageState() });
    const small = await phone.newPage();
    await small.goto(page.url());
    await screenshot(small, 'import-05-phone');
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    expect(errors).toEqual([]);
    await phone.close();
    await context.close();
  });
});

