/**
 * The one-minute check and the dossier search in Chromium, desktop and phone: an officer signs in,
 * opens a martyr's dossier whose death notice (read by Tesseract on the job queue) contradicts the
 * record, sees the flag with the words boxed on the page, and finds the page by search. Screenshots
 * go to test/artifacts/dossiers-*.png; axe checks both pages.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPage, scanPdf } from '../../seeds/demo/scan-pages.js';
import { launchBrowser, listen, screenshot, skipWithoutChromium } from '../support/browser.js';
import { dossierBed, until, type DossierBed } from '../support/dossiers.js';
import { DESKTOP, phonePage } from '../support/phone.js';
import { createStaff, signIn, TEST_PASSWORD } from '../support/staff.js';

describe.skipIf(skipWithoutChromium())('dossiers in Chromium', { timeout: 90_000 }, () => {
  let bed: DossierBed;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof listen>>;
  let email = '';
  let martyrId = 0;

  beforeAll(async () => {
    bed = await dossierBed('dossierbrowser');
    const { db } = bed.t;
    martyrId = Number((await db('martyrs').insert({ full_name: 'Nguyễn Văn Thắng', birth_year: 1950, death_year: 1973, unit: 'Trung đoàn 141, Sư đoàn 312', hometown_text: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', hometown_province_code: '42' }).returning('id'))[0]!.id);
    email = (await createStaff(db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh')).email;
    const s = await signIn(bed.app, email);
    const pdf = await scanPdf([await scanPage(['GIẤY BÁO TỬ', 'Đơn vị: Trung đoàn 141, Sư đoàn 312', 'Họ và tên: Nguyễn Văn Thắng', 'Sinh năm: 1950', 'Quê quán: xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', 'Đã hy sinh ngày 12 tháng 3 năm 1972', 'Tại: mặt trận phía Nam'], { noise: 0.002, skewDegrees: 0.5 })]);
    const res = await s.agent.post(`/quan-ly/ho-so/${martyrId}/tai-lieu?_csrf=${encodeURIComponent(s.csrf)}`).field('kind', 'death_notice').field('number', '45/GBT').attach('file', pdf, 'giay-bao-tu.pdf');
    expect(res.status).toBe(303);
    await until('the page indexed', async () => (await db('dossier_pages').whereNotNull('indexed_at').first()) ?? undefined, 120_000);
    site = await listen(bed.app);
    browser = await launchBrowser();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await bed?.close();
  });

  const signInAt = async (page: Page) => {
    await page.goto(`${site.base}/quan-ly/ho-so/${martyrId}`);
    await page.getByLabel('Email hoặc tên đăng nhập').fill(email);
    await page.getByLabel('Mật khẩu').fill(TEST_PASSWORD);
    await Promise.all([page.waitForURL(new RegExp(`/quan-ly/ho-so/${martyrId}`)), page.getByRole('button', { name: 'Đăng nhập' }).click()]);
  };

  it('shows the record beside the pages with the flag and its words boxed, on a desktop', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'vi-VN' });
    const page = await context.newPage();
    await signInAt(page);
    await expect.poll(() => page.locator('.dossier-flag').count()).toBe(1);
    expect(await page.locator('.dossier-flag').innerText()).toContain('12/03/1972');
    expect(await page.locator('.dossier-page rect.dossier-box').count()).toBeGreaterThan(2);
    await screenshot(page, 'dossiers-check-desktop');
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(axe.violations.map((v) => v.id)).toEqual([]);
    await page.goto(`${site.base}/quan-ly/ho-so?q=giay%20bao%20tu%20trung%20doan%20141`);
    expect(await page.locator('.dossier-hit').count()).toBe(1);
    expect(await page.locator('.dossier-hit rect.dossier-box').count()).toBeGreaterThanOrEqual(4);
    await screenshot(page, 'dossiers-search-desktop');
    const axeSearch = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(axeSearch.violations.map((v) => v.id)).toEqual([]);
    await context.close();
  });

  it('works on a phone', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await signInAt(page);
    expect(await page.locator('.dossier-flag').count()).toBe(1);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, 'dossiers-check-phone');
    await page.goto(`${site.base}/quan-ly/ho-so?q=giay%20bao%20tu%201972`);
    await screenshot(page, 'dossiers-search-phone');
    await context.close();
  });
});
