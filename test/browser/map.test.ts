/**
 * The map page in a real browser (Debian's Chromium through playwright-core) against a real
 * server on a test database and search index: what a relative does, step by step, with a
 * screenshot of each step in test/artifacts/ (git-ignored), and an accessibility check (axe).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { reindex } from '../../server/search/reindex.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { CHROMIUM, skipWithoutChromium } from '../support/browser.js';

const ARTIFACTS = path.join(ROOT_DIR, 'test', 'artifacts');
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Tried only when the base arguments give no WebGL 2: software rendering through ANGLE. */
const SOFTWARE_GL_ARGS = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
const indexUid = `test_browser_${randomBytes(4).toString('hex')}`;

async function hasWebGl2(browser: Browser): Promise<boolean> {
  const page = await browser.newPage();
  try {
    await page.setContent('<canvas></canvas>');
    return await page.evaluate(() => document.querySelector('canvas')!.getContext('webgl2') !== null);
  } finally {
    await page.close();
  }
}

/** How many pixels near the middle of a screenshot are the selection's gold (#d4a017). */
async function goldPixelsNearCentre(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const [cx, cy, r] = [info.width / 2, info.height / 2, 40];
  let gold = 0;
  for (let y = Math.max(0, cy - r); y < Math.min(info.height, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x < Math.min(info.width, cx + r); x++) {
      const i = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
      const [red, green, blue] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (Math.abs(red - 0xd4) < 30 && Math.abs(green - 0xa0) < 30 && blue < 70) gold++;
    }
  }
  return gold;
}

describe.skipIf(skipWithoutChromium())('the map page in Chromium', { timeout: 60_000 }, () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let server: Server;
  let browser: Browser;
  let base: string;
  let ducGrave: number;
  let glArgs: string[] = [];

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    t = await createTestDatabase('browser');
    fx = await loadSearchFixture(t.db);
    ducGrave = Number((await t.db('martyrs').where({ id: fx.martyrs.duc }).first('grave_id')).grave_id);
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    const app = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid }) });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
    if (!(await hasWebGl2(browser))) {
      await browser.close();
      glArgs = SOFTWARE_GL_ARGS;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...glArgs] });
    }
    console.log(`Chromium WebGL 2: ${(await hasWebGl2(browser)) ? 'yes' : 'no'}, extra arguments: ${glArgs.join(' ') || 'none'}`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await testMeili().deleteIndexIfExists(indexUid);
    await t?.drop();
  });

  /** A page that fails the test on any script error or CSP violation. */
  async function newPage(options: { width?: number; height?: number; motion?: boolean } = {}) {
    // A context of its own (axe needs one), so no cookie (the language) carries over between tests.
    // Reduced motion: the map jumps where it would fly (as it does for people who ask for that).
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, locale: 'vi-VN', reducedMotion: options.motion ? 'no-preference' : 'reduce' });
    const page = await context.newPage();
    // Closing the browser closes the context too; a second close then rejects, harmlessly.
    page.on('close', () => void context.close().catch(() => undefined));
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Failed requests are reported below with their URL.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      // The browser asks for /favicon.ico by itself; the portal has none.
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });
    return { page, problems };
  }

  it('finds a name typed without diacritics, shows the grave on the map, opens his page, in English, and prints it', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${base}/ban-do`);
    await page.locator('.map-cluster').first().waitFor();
    await shot(page, '01-map-vietnam');

    // Type the name as many do: no diacritics.
    const box = page.getByRole('combobox', { name: 'Họ tên liệt sĩ, quê quán, năm hoặc đơn vị' });
    await box.pressSequentially('dang van duc', { delay: 20 });
    const option = page.getByRole('option').filter({ hasText: 'Đặng Văn Đức' });
    await option.waitFor();
    await expect(box.getAttribute('aria-expanded')).resolves.toBe('true');
    await shot(page, '02-suggestions');

    // Pick it with the keyboard.
    await box.press('ArrowDown');
    await expect(box.getAttribute('aria-activedescendant')).resolves.toMatch(/^map-q-suggestions-\d+$/);
    await box.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('grave') === String(ducGrave) && (url.searchParams.get('map') ?? '').startsWith('17.00/'));
    const panel = page.locator('#selected');
    await expect(panel.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Đặng Văn Đức');
    await expect(page.locator('#result-status').textContent()).resolves.toMatch(/kết quả cho “Đặng Văn Đức”/);
    await expect(page.locator('li.result.is-selected .result-name').textContent()).resolves.toBe('Đặng Văn Đức');
    // The grave is drawn and ringed in gold at the centre of the map, where the map flew.
    await expect.poll(async () => goldPixelsNearCentre(await page.locator('#map').screenshot()), { timeout: 10_000 }).toBeGreaterThan(20);
    await shot(page, '03-grave-selected');

    // A reload shows the same thing; the back button undoes the selection.
    const selectedUrl = page.url();
    await page.reload();
    await expect(panel.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Đặng Văn Đức');
    expect(page.url()).toBe(selectedUrl);
    await page.goBack();
    await expect.poll(() => panel.isHidden()).toBe(true);
    expect(new URL(page.url()).searchParams.get('grave')).toBeNull();
    await page.goForward();
    await expect(panel.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Đặng Văn Đức');

    // The language switch keeps what is on screen.
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL((url) => url.searchParams.get('lang') === 'en');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await panel.getByRole('link', { name: 'Open the record page' }).waitFor();
    await expect.poll(() => page.locator('#result-status').textContent()).toMatch(/results? for “Đặng Văn Đức”/);
    await shot(page, '04-map-english');
    await page.getByRole('link', { name: 'Tiếng Việt' }).click();
    await page.waitForURL((url) => url.searchParams.get('lang') === 'vi');

    // His page, then in English, then its print view.
    await panel.getByRole('link', { name: 'Mở trang hồ sơ' }).click();
    await page.waitForURL(new RegExp(`/liet-si/${fx.martyrs.duc}-dang-van-duc`));
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Đặng Văn Đức');
    await shot(page, '05-martyr-page');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await shot(page, '06-martyr-page-english');
    const print = page.locator('a[href*="print=1"]').first();
    if (await print.count()) await print.click();
    else await page.goto(`${base}/liet-si/${fx.martyrs.duc}-dang-van-duc?print=1&lang=en`);
    await page.waitForURL(/print=1/);
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Đặng Văn Đức');
    await shot(page, '07-print-view');

    expect(problems).toEqual([]);
    await page.close();
  });

  it('filters with facet counts, searches the visible area, and keeps results when the map cannot start', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${base}/ban-do?q=nguyen+van+thanh`);
    await expect.poll(() => page.locator('#result-status').textContent()).toMatch(/\d+ kết quả/);
    const province = page.getByLabel('Tỉnh, thành phố');
    await expect(province.locator('option[value="42"]').textContent()).resolves.toMatch(/^Hà Tĩnh \(\d+\)$/);
    await page.getByText('Bộ lọc', { exact: true }).click();
    await page.getByLabel('Năm sinh').fill('1948');
    await page.getByLabel('Năm sinh').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('birthYear') === '1948');
    await expect.poll(() => page.locator('#results .result-name').allTextContents()).toContain('Nguyễn Văn Thành');
    // A wrong year is said next to the field, and nothing is searched.
    await page.getByLabel('Năm hy sinh').fill('19x8');
    await page.getByLabel('Năm hy sinh').press('Enter');
    await expect(page.locator('#filter-error').textContent()).resolves.toBe('Năm phải có dạng 1948 hoặc 1940-1950.');
    await expect(page.getByLabel('Năm hy sinh').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(new URL(page.url()).searchParams.get('deathYear')).toBeNull();
    await page.getByLabel('Năm hy sinh').fill('');
    await shot(page, '08-filters');

    await page.getByRole('button', { name: 'Tìm trong vùng đang xem' }).click();
    await page.waitForURL((url) => /^[\d.-]+,[\d.-]+,[\d.-]+,[\d.-]+$/.test(url.searchParams.get('bbox') ?? ''));
    await page.getByRole('button', { name: /Bỏ điều kiện này: Chỉ tìm trong vùng bản đồ đã chọn/ }).waitFor();
    expect(problems).toEqual([]);
    await page.close();

    // No WebGL: a clear message, and the list still works.
    const noGl = await newPage();
    await noGl.page.addInitScript(() => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, type: string, ...rest: unknown[]) {
        return type.startsWith('webgl') ? null : (original as (...a: unknown[]) => unknown).call(this, type, ...rest);
      } as typeof original;
    });
    await noGl.page.goto(`${base}/ban-do?q=dang+van+duc`);
    await noGl.page.getByRole('alert').filter({ hasText: 'WebGL' }).waitFor();
    await expect.poll(() => noGl.page.locator('#results .result-name').first().textContent()).toBe('Đặng Văn Đức');
    await shot(noGl.page, '09-no-webgl');
    await noGl.page.close();
  });

  it('works as a sheet on a phone', async () => {
    const { page, problems } = await newPage({ width: 390, height: 844 });
    await page.goto(`${base}/ban-do?q=dang+van+duc&grave=${ducGrave}`);
    await expect(page.locator('#selected h2').textContent()).resolves.toBe('Đặng Văn Đức');
    await page.waitForURL((url) => (url.searchParams.get('map') ?? '').startsWith('17.00/'));
    await page.waitForTimeout(500);
    await shot(page, '10-phone');
    await page.getByRole('button', { name: 'Xem danh sách kết quả' }).click();
    const toggle = page.locator('#sheet-toggle');
    await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(toggle.textContent()).resolves.toBe('Thu gọn danh sách');
    await shot(page, '11-phone-sheet-open');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('has no serious or critical accessibility problems on the map page, the list of results and a martyr page', async () => {
    const { page } = await newPage();
    const check = async (url: string, ready: () => Promise<unknown>) => {
      await page.goto(`${base}${url}`);
      await ready();
      const { violations } = await new AxeBuilder({ page }).analyze();
      const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${url}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    };
    await check(`/ban-do?q=dang+van+duc&grave=${ducGrave}`, () => page.locator('#selected h2').waitFor());
    await check('/tim-kiem?q=nguyen+van+thanh', () => page.locator('.hit-list').waitFor());
    await check(`/liet-si/${fx.martyrs.duc}-dang-van-duc`, () => page.locator('h1').waitFor());
    await page.close();
  });
});
