/**
 * In Chromium, desktop and phone: a martyr page with its ngày giỗ, the incense count and button,
 * the messages form and the follow form; lighting incense; a grave without a photo offers "request
 * a photo"; following sends the visitor to the "check your mail" page. Screenshots in test/artifacts/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, listen, screenshot, skipWithoutChromium } from '../support/browser.js';
import { DESKTOP, phonePage } from '../support/phone.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';

describe.skipIf(skipWithoutChromium())('following and remembrance in a browser', { timeout: 90_000 }, () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    t = await createTestDatabase('followui');
    fx = await loadSearchFixture(t.db);
    await t.db('martyrs').where({ id: fx.martyrs.thanh }).update({ death_year: 1968, death_month: 1, death_day: 31 });
    site = await listen(await testApp(t.db));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await t?.drop();
  });

  it('a martyr page shows the ngày giỗ, lights incense once a day, and offers to follow (desktop)', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${site.base}/liet-si/${fx.martyrs.thanh}`);
    await expect(page.locator('.anniversary dd').textContent()).resolves.toContain('Ngày 3 tháng 1 năm Mậu Thân');
    await page.click('.incense-form button');
    await page.waitForURL(/incense=lit/);
    await expect(page.locator('.incense-count').getAttribute('data-incense')).resolves.toBe('1');
    await page.locator('#tuong-niem').scrollIntoViewIfNeeded();
    await screenshot(page, 'i18-martyr-remembrance-desktop');
    await page.click('.incense-form button');
    await page.waitForURL(/incense=already/);
    await expect(page.locator('.incense-count').getAttribute('data-incense')).resolves.toBe('1');
    await page.fill('#follow-email-martyr', 'gia.dinh@example.vn');
    await page.click('.follow-form button[type=submit]');
    await expect(page.locator('.notify-result').textContent()).resolves.toContain('Đã gửi thư xác nhận');
    await screenshot(page, 'i18-follow-sent-desktop');
    await context.close();
  });

  it('on a phone: the martyr page’s remembrance, and a grave without a photo offering to request one', async () => {
    const { context, page } = await phonePage(browser);
    await page.goto(`${site.base}/liet-si/${fx.martyrs.thanh}`);
    await page.locator('#tuong-niem').scrollIntoViewIfNeeded();
    await screenshot(page, 'i18-martyr-remembrance-phone');
    await page.goto(`${site.base}/mo/${fx.graves.unknown}`);
    await page.locator('.photo-request').scrollIntoViewIfNeeded();
    await screenshot(page, 'i18-grave-photo-request-phone');
    await page.click('.photo-request button');
    await expect(page.locator('.notify-result').textContent()).resolves.toContain('Đã ghi nhận yêu cầu');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    await context.close();
  });
});
