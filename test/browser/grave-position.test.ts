/**
 * Cemetery staff move a grave's position by dragging its marker on the cemetery map: the fields
 * follow, a place outside the cemetery's boundary is warned about, and saving records it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, listen, screenshot, skipWithoutChromium } from '../support/browser.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { createStaff, TEST_PASSWORD } from '../support/staff.js';

describe.skipIf(skipWithoutChromium())('the grave position map', { timeout: 60_000 }, () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof listen>>;
  let email: string;

  beforeAll(async () => {
    t = await createTestDatabase('position');
    fx = await loadSearchFixture(t.db);
    site = await listen(await testApp(t.db));
    email = (await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }], 'Trường Sơn')).email;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await t?.drop();
  });

  it('fills the fields from the dragged marker and warns when it leaves the cemetery', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${site.base}/quan-ly/dang-nhap`);
    await page.getByLabel('Email hoặc tên đăng nhập').fill(email);
    await page.getByLabel('Mật khẩu').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL(/\/quan-ly$/);

    await page.goto(`${site.base}/quan-ly/mo/${fx.graves.ofThanh}`);
    await page.locator('#position-map[data-ready="true"]').waitFor({ timeout: 20_000 });
    const before = { lat: await page.inputValue('#grave-lat'), lng: await page.inputValue('#grave-lng') };
    const marker = page.locator('#position-map .maplibregl-marker');
    await marker.scrollIntoViewIfNeeded();
    const boxOf = await marker.boundingBox();
    const [x, y] = [boxOf!.x + boxOf!.width / 2, boxOf!.y + boxOf!.height - 4];
    // A short drag stays inside the cemetery (about 0.2 km square around the fixture's graves).
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 20, y + 10, { steps: 5 });
    await page.mouse.up();
    const moved = { lat: await page.inputValue('#grave-lat'), lng: await page.inputValue('#grave-lng') };
    expect(moved).not.toEqual(before);
    expect(Number(moved.lng)).toBeGreaterThan(Number(before.lng));
    expect(await page.textContent('#position-status')).toContain('trong ranh giới');

    // Typing a position far outside moves the marker there and warns.
    await page.fill('#grave-lat', '17.2');
    await page.fill('#grave-lng', '106.5');
    await page.locator('#grave-lng').dispatchEvent('change');
    await expect.poll(async () => page.textContent('#position-status')).toContain('ngoài ranh giới');
    await screenshot(page, 'grave-position-map');
    await page.close();
  });
});
