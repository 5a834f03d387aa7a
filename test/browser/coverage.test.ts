/**
 * The coverage page in Debian's Chromium against a real server on a test database: a ministry
 * officer on a desktop sees the 34 provinces coloured and switches to the 63; a province officer on
 * a phone sees their cemeteries; both open an area's charts. The map must have drawn (its canvas
 * shows the choropleth's colours), axe finds nothing serious, and screenshots go to test/artifacts/.
 */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshCoverageViews } from '../../server/coverage/coverage-views.queries.js';
import { PALETTE } from '../../server/coverage/coverage.service.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { ARTIFACTS, CHROMIUM, launchBrowser, listen, skipWithoutChromium } from '../support/browser.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { createStaff, TEST_PASSWORD } from '../support/staff.js';

const SOFTWARE_GL_ARGS = ['--headless', '--no-sandbox', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

describe.skipIf(skipWithoutChromium())('the coverage page in Chromium', { timeout: 90_000 }, () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let browser: Browser;
  let base: string;
  let close: () => Promise<void>;
  let ministry: string;
  let officer: string;

  beforeAll(async () => {
    t = await createTestDatabase('coveragebrowser');
    fx = await loadSearchFixture(t.db);
    await t.db('graves').where({ cemetery_id: fx.cemeteries.truongSon }).orderBy('id').limit(8).update({ position: null });
    await refreshCoverageViews(t.db);
    ministry = (await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }], 'Bộ')).email;
    officer = (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở')).email;
    ({ base, close } = await listen(await testApp(t.db)));
    browser = await launchBrowser();
    const probe = await browser.newPage();
    await probe.setContent('<canvas></canvas>');
    const gl = await probe.evaluate(() => document.querySelector('canvas')!.getContext('webgl2') !== null);
    await probe.close();
    if (!gl) {
      await browser.close();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: SOFTWARE_GL_ARGS });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
    await t?.drop();
  });

  async function signedIn(viewport: { width: number; height: number }, email: string, url: string) {
    const phone = viewport === PHONE;
    const context = await browser.newContext({ viewport, locale: 'vi-VN', isMobile: phone, hasTouch: phone, deviceScaleFactor: phone ? 2 : 1, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${base}${url}`);
    await page.waitForURL(/\/quan-ly\/dang-nhap/);
    await page.getByLabel('Email hoặc tên đăng nhập').fill(email);
    await page.getByLabel('Mật khẩu').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL((u) => u.pathname === url.split('?')[0]);
    return { page, problems, done: () => context.close() };
  }

  /** Waits for MapLibre to finish drawing, then counts canvas pixels close to each palette colour. */
  async function paletteOnCanvas(page: Page): Promise<number> {
    await page.waitForSelector('#coverage-map[data-ready="true"]', { timeout: 45_000 });
    const shot = await page.locator('#coverage-map canvas').screenshot();
    const sharp = (await import('sharp')).default;
    const { data, info } = await sharp(shot).raw().toBuffer({ resolveWithObject: true });
    const wanted = PALETTE.slice(1).map(hex);
    let hits = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (wanted.some(([wr, wg, wb]) => Math.abs(r - wr!) + Math.abs(g - wg!) + Math.abs(b - wb!) < 30)) hits++;
    }
    return hits;
  }

  async function axeSerious(page: Page): Promise<string[]> {
    const axe = await new AxeBuilder({ page }).analyze();
    return axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  }

  it('a ministry officer on a desktop: the 34 provinces coloured, the table sorted, the 63 a switch away', async () => {
    const { page, problems, done } = await signedIn(DESKTOP, ministry, '/quan-ly/tong-quan');
    try {
      expect(await paletteOnCanvas(page)).toBeGreaterThan(200);
      expect(await page.locator('table.cov-table tbody tr').count()).toBe(34);
      await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-desktop-provinces.png'), fullPage: true });
      expect(await axeSerious(page)).toEqual([]);

      // Sort by name, then switch to the 63 provinces of 2008-2025.
      await page.getByRole('link', { name: 'Tên' }).click();
      await page.waitForURL(/sort=name/);
      expect(await page.locator('table.cov-table tbody tr th a').first().textContent()).toBe('An Giang');
      await page.getByLabel('Cấp').selectOption('old_province');
      await page.getByRole('button', { name: 'Xem' }).click();
      await page.waitForURL(/level=old_province/);
      expect(await page.locator('table.cov-table tbody tr').count()).toBe(63);
      expect(await paletteOnCanvas(page)).toBeGreaterThan(200);
      await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-desktop-63.png'), fullPage: true });

      // An area's charts.
      await page.getByRole('link', { name: 'Hà Tĩnh', exact: true }).click();
      await page.waitForURL(/\/quan-ly\/tong-quan\/tinh-2008\/42/);
      expect(await page.locator('svg.trend-chart').count()).toBeGreaterThanOrEqual(5);
      await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-desktop-area.png'), fullPage: true });
      expect(await axeSerious(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('a province officer on a phone: their cemeteries on the map and in the table, nothing of other provinces', async () => {
    const { page, problems, done } = await signedIn(PHONE, officer, '/quan-ly/tong-quan');
    try {
      await page.waitForSelector('#coverage-map[data-ready="true"]', { timeout: 45_000 });
      const names = await page.locator('table.cov-table tbody tr th a').allTextContents();
      expect(names).toEqual(['Nghĩa trang liệt sĩ tỉnh Hà Tĩnh']);
      await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-phone-cemeteries.png'), fullPage: true });
      expect(await axeSerious(page)).toEqual([]);
      // No sideways scrolling of the page itself on a phone (the table scrolls in its own box).
      const wide = await page.evaluate(() => Array.from(document.querySelectorAll('body *')).filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((el) => `${el.tagName}.${el.className}`));
      expect(await page.evaluate(() => document.documentElement.scrollWidth), wide.join(' ')).toBeLessThanOrEqual(PHONE.width);
      await page.getByLabel('Cấp').selectOption('province');
      await page.getByRole('button', { name: 'Xem' }).click();
      await page.waitForURL(/level=province/);
      expect(await page.locator('table.cov-table tbody tr').count()).toBe(1);
      expect(await paletteOnCanvas(page)).toBeGreaterThan(50);
      await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-phone-province.png'), fullPage: true });
      await Promise.all([page.waitForURL(/\/quan-ly\/tong-quan\/tinh\/42/), page.getByRole('link', { name: 'Hà Tĩnh', exact: true }).click()]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-phone-area.png'), fullPage: true });
      expect(await axeSerious(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
