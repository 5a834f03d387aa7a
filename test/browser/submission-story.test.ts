/**
 * The whole story in Chromium: a relative finds a martyr typed without diacritics, sends a
 * correction of the death date with a photo, and gets a tracking code; an officer of that province
 * signs in, finds it in the queue and accepts it; the tracking page says accepted, and the public
 * page and search show the new date. An officer of another province never sees it. Also: staff
 * sign in, see their home, and sign out. Screenshots of each step go to test/artifacts/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { launchBrowser, listen, screenshot, skipWithoutChromium } from '../support/browser.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { createStaff, TEST_PASSWORD } from '../support/staff.js';

const indexUid = `test_story_${randomBytes(4).toString('hex')}`;

describe.skipIf(skipWithoutChromium())('a correction, from a relative to the public page', { timeout: 90_000 }, () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof listen>>;
  let dataDir: string;
  let photoPath: string;
  let officerEmail: string;
  let otherOfficerEmail: string;
  let trackingCode: string;

  beforeAll(async () => {
    t = await createTestDatabase('story');
    fx = await loadSearchFixture(t.db);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-story-'));
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    site = await listen(await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid, DATA_DIR: dataDir }) }));
    officerEmail = (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh')).email;
    otherOfficerEmail = (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '44', cemeteryId: null }], 'Sở Quảng Trị')).email;
    photoPath = path.join(dataDir, 'giay-bao-tu.jpg');
    await writeFile(photoPath, await sharp({ create: { width: 800, height: 600, channels: 3, background: '#efe8d8' } }).jpeg().toBuffer());
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await testMeili().deleteIndexIfExists(indexUid);
    await t?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signInAs(page: Page, email: string): Promise<void> {
    await page.goto(`${site.base}/quan-ly/dang-nhap`);
    await page.getByLabel('Email hoặc tên đăng nhập').fill(email);
    await page.getByLabel('Mật khẩu').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL(/\/quan-ly$/);
  }

  it('staff sign in, see their home within their province, and sign out', async () => {
    const page = await browser.newPage();
    await signInAs(page, officerEmail);
    await expect(page.getByRole('heading', { name: 'Trang quản lý' })).toBeTruthy();
    expect(await page.textContent('body')).toContain('Hà Tĩnh');
    await screenshot(page, 'staff-home');
    await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await page.waitForURL(/\/quan-ly\/dang-nhap/);
    await page.goto(`${site.base}/quan-ly`);
    expect(page.url()).toContain('/quan-ly/dang-nhap');
    await page.close();
  });

  it('a relative finds the martyr without diacritics and sends a correction with a photo', async () => {
    const page = await browser.newPage({ viewport: { width: 412, height: 915 } });
    await page.goto(`${site.base}/tim-kiem?q=${encodeURIComponent('nguyen van thanh ha tinh 1948')}`);
    await screenshot(page, 'story-1-search');
    await page.locator(`a[href^="/liet-si/${fx.martyrs.thanhHaTinh1948}-"]`).first().click();
    await page.waitForURL(new RegExp(`/liet-si/${fx.martyrs.thanhHaTinh1948}-`));
    await screenshot(page, 'story-2-martyr-page');
    await page.locator(`a[href*="/gui-thong-tin?martyr=${fx.martyrs.thanhHaTinh1948}"]`).first().click();
    await page.waitForURL(/\/gui-thong-tin/);
    await page.getByLabel('Ngày hy sinh').fill('12/05/1968');
    await page.getByLabel('Nội dung thông tin').fill('Giấy báo tử của gia đình ghi ngày hy sinh 12/05/1968.');
    await page.setInputFiles('#files', photoPath);
    await page.getByLabel('Họ tên của bạn').fill('Nguyễn Thị Hoa');
    await page.getByLabel('Số điện thoại hoặc email').fill('0912 345 678');
    await page.getByLabel('Quan hệ với liệt sĩ').fill('cháu nội');
    await screenshot(page, 'story-3-form');
    await page.getByRole('button', { name: 'Gửi thông tin' }).click();
    await page.waitForURL(/\/theo-doi\//);
    trackingCode = (await page.textContent('.tracking-code'))!.trim();
    expect(trackingCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    expect(await page.textContent('body')).toContain('Đã nhận');
    await screenshot(page, 'story-4-tracking-received');
    await page.close();
  });

  it('an officer of another province never sees it', async () => {
    const page = await browser.newPage();
    await signInAs(page, otherOfficerEmail);
    await page.goto(`${site.base}/quan-ly/thong-tin`);
    expect(await page.textContent('body')).not.toContain(trackingCode);
    const id = (await t.db('submissions').where({ tracking_code: trackingCode }).first()).id;
    const response = await page.goto(`${site.base}/quan-ly/thong-tin/${id}`);
    expect(response?.status()).toBe(404);
    await page.close();
  });

  it('the officer of that province accepts it; tracking, public page and search show the new date', async () => {
    const page = await browser.newPage();
    await signInAs(page, officerEmail);
    await page.goto(`${site.base}/quan-ly/thong-tin`);
    await page.getByRole('link', { name: trackingCode }).click();
    await page.waitForURL(/\/quan-ly\/thong-tin\/\d+$/);
    expect(await page.textContent('body')).toContain('0912 345 678');
    await screenshot(page, 'story-5-review');
    // Opening it changed nothing; the officer takes it up explicitly, which the sender then sees.
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('received');
    await page.getByRole('button', { name: 'Bắt đầu xem xét' }).click();
    await page.waitForLoadState('load');
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('in_review');
    await page.getByRole('button', { name: 'Chấp nhận và cập nhật hồ sơ' }).click();
    await page.waitForLoadState('load');
    expect(await page.textContent('[data-status]')).toContain('Đã chấp nhận');
    await page.close();

    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);

    const citizen = await browser.newPage();
    await citizen.goto(`${site.base}/theo-doi/${trackingCode}`);
    expect(await citizen.textContent('body')).toContain('Đã chấp nhận');
    await screenshot(citizen, 'story-6-tracking-accepted');
    await citizen.goto(`${site.base}/liet-si/${fx.martyrs.thanhHaTinh1948}`);
    expect(await citizen.textContent('body')).toContain('12/05/1968');
    expect(await citizen.textContent('body')).toContain('Nguồn: thông tin người dân gửi, đã được xác minh');
    expect(await citizen.textContent('body')).not.toContain('0912 345 678');
    await screenshot(citizen, 'story-7-public-page');
    await citizen.goto(`${site.base}/tim-kiem?q=${encodeURIComponent('nguyen van thanh ha tinh')}`);
    expect(await citizen.textContent('body')).toContain('12/05/1968');
    await screenshot(citizen, 'story-8-search');
    await citizen.close();
  });
});
