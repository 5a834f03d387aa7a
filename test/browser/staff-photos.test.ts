/**
 * Cemetery staff on a phone (390×844, touch) in a real browser (Debian's Chromium through
 * playwright-core) against a real server on a test database with its photos in a temporary
 * folder: sign in, send three headstone photos with GPS positions at known graves, confirm the
 * proposed graves, and find the photos on the public pages. Screenshots of each step go to
 * test/artifacts/ (git-ignored); axe checks the staff pages.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headstoneSvg } from '../../seeds/demo/headstone-photos.js';
import { createRng } from '../../seeds/demo/random.js';
import { ROOT_DIR } from '../../server/config.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, testConfig, type TestDatabase } from '../support/services.js';
import { createStaff, TEST_PASSWORD } from '../support/staff.js';
import { CHROMIUM, skipWithoutChromium } from '../support/browser.js';

const ARTIFACTS = path.join(ROOT_DIR, 'test', 'artifacts');
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PHONE = { width: 390, height: 844 };

const ORIGIN = { lat: 18.341, lng: 105.891 };
const at = (row: number, plot: number) => ({ lat: ORIGIN.lat + (row - 1) * 0.00003, lng: ORIGIN.lng + (plot - 1) * 0.00002 });
const dms = (deg: number) => {
  const d = Math.floor(deg);
  const m = Math.floor((deg - d) * 60);
  return `${d}/1 ${m}/1 ${Math.round(((deg - d) * 60 - m) * 60 * 10000)}/10000`;
};

/** A headstone as the demo data draws it, photographed at (lat, lng) at a given time. */
async function headstonePhoto(inscription: string, where: { lat: number; lng: number }, time: string): Promise<Buffer> {
  const svg = headstoneSvg(inscription, createRng('browser', inscription));
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).withExif({
    IFD0: { Make: 'TestPhone', Model: 'Field 1' },
    IFD2: { DateTimeOriginal: time },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: dms(where.lat), GPSLongitudeRef: 'E', GPSLongitude: dms(where.lng), GPSHPositioningError: '4/1' },
  }).toBuffer();
}

describe.skipIf(skipWithoutChromium())('cemetery staff with a phone in Chromium', { timeout: 60_000 }, () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let server: Server;
  let browser: Browser;
  let base: string;
  let dataDir: string;
  let email: string;
  const graves: Record<string, number> = {};
  const martyrs: Record<string, number> = {};

  const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `staff-photos-${name}.png`), fullPage });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'staff-photos-'));
    t = await createTestDatabase('staffphotos');
    fx = await loadSearchFixture(t.db);
    const [section] = await t.db('cemetery_sections').insert({ cemetery_id: fx.cemeteries.haTinh, code: 'A' }).returning('id');
    const names: Record<string, string> = { '1/1': 'Trần Quốc Hưng', '1/2': 'Lê Văn Tám', '2/3': 'Nguyễn Đình Phúc' };
    for (const row of [1, 2]) {
      for (let plot = 1; plot <= 4; plot++) {
        const p = at(row, plot);
        const [g] = await t.db('graves').insert({
          cemetery_id: fx.cemeteries.haTinh, section_id: section.id, row_label: String(row), plot_number: String(plot), state: 'identified',
          position: t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [p.lng, p.lat]),
        }).returning('id');
        graves[`${row}/${plot}`] = Number(g.id);
        const name = names[`${row}/${plot}`];
        if (name) {
          const [m] = await t.db('martyrs').insert({ full_name: name, death_year: 1968, hometown_text: 'Hà Tĩnh', hometown_province_code: '42', grave_id: g.id }).returning('id');
          martyrs[`${row}/${plot}`] = Number(m.id);
        }
      }
    }
    email = (await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.haTinh }], 'Cán bộ nghĩa trang')).email;
    const app = await testApp(t.db, { config: testConfig({ DATA_DIR: dataDir }) });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await t?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in, sends three photos, confirms the proposed graves, and sees the photos on the public pages', async () => {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });

    // Sign in.
    await page.goto(`${base}/quan-ly/anh`);
    await page.waitForURL(/\/quan-ly\/dang-nhap/);
    await page.getByLabel('Email hoặc tên đăng nhập').fill(email);
    await page.getByLabel('Mật khẩu').fill(TEST_PASSWORD);
    await shot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL(`${base}/quan-ly/anh`);
    await shot(page, '02-upload-page');

    // Three photos taken at A/1/1, A/1/2 and A/2/3, chosen at once.
    const photos = [
      { name: 'IMG_0101.jpg', grave: '1/1', data: await headstonePhoto('LIỆT SĨ\nTRẦN QUỐC HƯNG\nSinh năm 1948\nHy sinh 1968', at(1, 1), '2025:03:04 08:10:00') },
      { name: 'IMG_0102.jpg', grave: '1/2', data: await headstonePhoto('LIỆT SĨ\nLÊ VĂN TÁM\nSinh năm 1950\nHy sinh 1968', at(1, 2), '2025:03:04 08:11:00') },
      { name: 'IMG_0107.jpg', grave: '2/3', data: await headstonePhoto('LIỆT SĨ\nNGUYỄN ĐÌNH PHÚC\nSinh năm 1946\nHy sinh 1968', at(2, 3), '2025:03:04 08:15:00') },
    ];
    await page.locator('#photo').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: 'image/jpeg', buffer: p.data })));
    await page.getByRole('button', { name: 'Tải lên' }).click();
    const review = page.locator('#upload-review');
    await review.waitFor({ state: 'visible' });
    await expect(page.locator('#upload-summary').textContent()).resolves.toBe('Đã gửi 3/3 ảnh, 0 ảnh bị từ chối.');
    const lines = await page.locator('#upload-files li').allTextContents();
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/đã lưu · gần nhất: Khu A, hàng \d, mộ số \d/);
    await shot(page, '03-uploaded');

    // The review screen: each photo beside its proposed grave, ticked.
    await review.click();
    await page.waitForURL(`${base}/quan-ly/anh/duyet`);
    const cards = page.locator('.up-card');
    await expect(cards.count()).resolves.toBe(3);
    for (const [i, p] of photos.entries()) {
      const ticked = cards.nth(i).locator('input[type="radio"]:checked');
      await expect(ticked.getAttribute('value')).resolves.toBe(`g${graves[p.grave]}`);
      // Thumbnails load lazily: each as its card comes into view.
      await cards.nth(i).scrollIntoViewIfNeeded();
      const thumb = cards.nth(i).locator('img').first();
      await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
    }
    await expect(cards.first().textContent()).resolves.toContain('Trần Quốc Hưng');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '04-review');
    await shot(page, '04-review-full', true);
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);

    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await page.waitForURL(`${base}/quan-ly/anh/duyet?xong=3`);
    await expect(page.locator('.up-notice').textContent()).resolves.toBe('Đã gán 3 ảnh cho mộ.');
    await expect(page.locator('.up-recent li').count()).resolves.toBe(3);
    await shot(page, '05-confirmed');

    // The public pages show the photos.
    for (const p of photos) {
      const graveId = graves[p.grave]!;
      await page.goto(`${base}/mo/${graveId}`);
      const img = page.locator(`img[src^="/photos/graves/${graveId}/"]`).first();
      await img.scrollIntoViewIfNeeded();
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBeGreaterThan(0);
    }
    await page.locator(`img[src^="/photos/graves/${graves['2/3']}/"]`).first().scrollIntoViewIfNeeded();
    await shot(page, '06-public-grave');
    await page.goto(`${base}/liet-si/${martyrs['1/1']}`);
    const onMartyr = page.locator(`img[src^="/photos/graves/${graves['1/1']}/"]`).first();
    await onMartyr.scrollIntoViewIfNeeded();
    await expect.poll(() => onMartyr.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBeGreaterThan(0);
    await shot(page, '07-public-martyr');

    // The grave's staff page and the cemetery's walk list, as staff carry on.
    await page.goto(`${base}/quan-ly/mo/${graves['1/1']}`);
    await shot(page, '08-grave-staff');
    await shot(page, '08-grave-staff-full', true);
    const graveAxe = await new AxeBuilder({ page }).analyze();
    expect(graveAxe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.goto(`${base}/quan-ly/nghia-trang/${fx.cemeteries.haTinh}?khu=A`);
    await expect(page.locator('.up-walk li').count()).resolves.toBe(8);
    await shot(page, '09-dashboard');
    await shot(page, '09-dashboard-full', true);

    expect(problems).toEqual([]);
    await context.close();
  });
});
