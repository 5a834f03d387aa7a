/**
 * The relative's journey on a phone (360x740, slow link, 4x slower CPU), in Chromium: a search
 * shows its first result on the first screen; a martyr's page shows the plot and the headstone
 * photo on it; print and share work (share falls back to copying the link where the browser has
 * no share sheet); a mistyped tracking code gets its own message and the box to retype. Then
 * every public page, in both languages, on the phone and on a desktop: no sideways scrolling and
 * no serious accessibility problem. Screenshots of each go to test/artifacts/journey-*.png.
 */
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ARTIFACTS, CHROMIUM, launchBrowser, screenshot } from '../support/browser.js';
import { startJourneySite, type JourneySite } from '../support/journey-site.js';
import { DESKTOP, inFirstViewport, phonePage } from '../support/phone.js';

/** What the first screen shows, as the person sees it (the full-page screenshots come later). */
const firstScreen = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

describe.skipIf(!existsSync(CHROMIUM))('the relative\'s journey on a phone', { timeout: 120_000 }, () => {
  let site: JourneySite;
  let browser: Browser;

  beforeAll(async () => {
    site = await startJourneySite('journey');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('shows the first result on the first screen after a search typed on the home page', async () => {
    const { context, page } = await phonePage(browser);
    await page.goto(`${site.base}/`);
    await page.getByLabel('Họ tên liệt sĩ, quê quán, năm').fill('nguyen van thanh');
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.waitForURL(/\/tim-kiem\?q=/);
    expect(await inFirstViewport(page, '.hit-list > li:first-child .hit-name')).toBe(true);
    expect(await page.locator('.result-status').textContent()).toMatch(/\d/);
    // Filters are folded when none is set; the facets offer one-tap narrowing before the list.
    expect(await page.locator('details.search-filters-fold').getAttribute('open')).toBeNull();
    expect(await page.locator('.facet-chips .facet-chip').count()).toBeGreaterThan(0);
    await firstScreen(page, 'journey-phone-results');
    await context.close();
  });

  it('opens the filters when one is set, and a chip narrows the results in one tap', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await page.goto(`${site.base}/tim-kiem?q=nguyen+van+thanh`);
    const before = await page.locator('.result-status').textContent();
    const chip = page.locator('.facet-chips .facet-chip').first();
    const chipHref = await chip.getAttribute('href');
    await chip.click();
    // A name shared by namesakes offers hometown, birth decade and cemetery first (issue 14).
    await page.waitForURL((url) => ['province=', 'hasPhoto=', 'unit=', 'hometown=', 'birthYear=', 'cemetery='].some((p) => url.search.includes(p)));
    expect(page.url()).toContain(chipHref!.split('?')[1]!.split('&').pop()!);
    // A filter of the form opens the form; a hometown or cemetery (no field of its own) shows as a chip.
    const hidden = ['hometown', 'cemetery'].some((name) => new URL(page.url()).searchParams.has(name));
    if (hidden) expect(await page.locator('a.facet-chip-set').count()).toBe(1);
    else expect(await page.locator('details.search-filters-fold').getAttribute('open')).not.toBeNull();
    expect(await page.locator('.result-status').textContent()).not.toBe(before);
    await context.close();
  });

  it('shows a hometown chosen from a chip as a chip that takes it away again', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await page.goto(`${site.base}/tim-kiem?q=nguyen+van+thanh`);
    await page.locator('.facet-chips a.facet-chip[href*="hometown="]').first().click();
    await page.waitForURL((url) => url.searchParams.has('hometown'));
    const set = page.locator('a.facet-chip-set');
    expect(await set.count()).toBe(1);
    expect(await set.textContent()).toMatch(/^Quê /);
    await firstScreen(page, 'journey-phone-hometown-chip');
    expect(await inFirstViewport(page, 'a.facet-chip-set')).toBe(true);
    await set.click();
    await page.waitForURL((url) => !url.searchParams.has('hometown'));
    expect(new URL(page.url()).searchParams.get('q')).toBe('nguyen van thanh');
    expect(await page.locator('a.facet-chip-set').count()).toBe(0);
    await context.close();
  });

  it('offers the send-information form when nothing is found', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await page.goto(`${site.base}/tim-kiem?q=zzqxw+khong+co`);
    await page.getByRole('link', { name: /Không tìm thấy\? Hãy cho chúng tôi biết/ }).click();
    await page.waitForURL(/\/gui-thong-tin$/);
    await context.close();
  });

  it('shows the plot and the headstone photo on the first screen of a martyr page', async () => {
    const { context, page } = await phonePage(browser);
    await page.goto(`${site.base}${site.martyrWithPhotoPath}`);
    await page.locator('.grave-first .headstone img').evaluate((img: HTMLImageElement) => img.decode());
    await firstScreen(page, 'journey-phone-martyr');
    expect(await inFirstViewport(page, '.grave-first .plot')).toBe(true);
    expect(await inFirstViewport(page, '.grave-first .headstone img')).toBe(true);
    expect(await inFirstViewport(page, '.key-actions')).toBe(true);
    // The buttons that matter are there: directions, the map, print, share, send information.
    const actions = await page.locator('.key-actions li:visible').allTextContents();
    expect(actions.map((a) => a.trim())).toEqual(['Chỉ đường', 'Xem trên bản đồ', 'In', 'Chia sẻ', 'Gửi thông tin']);
    expect(await page.locator('.key-actions').getByRole('link', { name: 'Xem trên bản đồ' }).getAttribute('href')).toMatch(new RegExp(`^/ban-do\\?grave=${site.fx.graves.ofThanh}&map=17/`));
    await context.close();
  });

  it('prints from the martyr page and from its A4 sheet with one button', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await context.addInitScript(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed += 1;
      };
    });
    await page.goto(`${site.base}${site.martyrWithPhotoPath}`);
    await page.locator('.key-actions').getByRole('button', { name: 'In' }).click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await page.goto(`${site.base}${site.martyrWithPhotoPath}?print=1`);
    expect(await page.textContent('body')).not.toContain('Ctrl+P');
    await page.getByRole('button', { name: 'In' }).click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await screenshot(page, 'journey-phone-print');
    await context.close();
  });

  it('keeps the A4 sheet to one page of paper when printed from a phone', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await page.goto(`${site.base}${site.martyrWithPhotoPath}?print=1`);
    await page.locator('.sheet-photo img').evaluate((img: HTMLImageElement) => img.decode());
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
    await context.close();
  });

  it('copies the link when the browser has no share sheet, and links Facebook\'s sharer', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.base });
    // Headless Chromium on Linux has no share sheet; make sure, whatever the build.
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'share', { value: undefined, configurable: true });
    });
    await page.goto(`${site.base}${site.martyrWithPhotoPath}`);
    await page.locator('.key-actions').getByRole('button', { name: 'Chia sẻ' }).click();
    await expect.poll(() => page.locator('#share-status').textContent()).toContain('Đã chép liên kết');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${site.base}${site.martyrWithPhotoPath}`);
    const facebook = await page.getByRole('link', { name: 'Chia sẻ lên Facebook' }).getAttribute('href');
    expect(facebook).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(copied)}`);
    await context.close();
  });

  it('uses the share sheet where the browser has one', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'share', {
        configurable: true,
        value: async (data: ShareData) => {
          (window as unknown as { shared: ShareData }).shared = data;
        },
      });
    });
    await page.goto(`${site.base}${site.martyrWithPhotoPath}`);
    await page.locator('.key-actions').getByRole('button', { name: 'Chia sẻ' }).click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { shared?: ShareData }).shared?.url)).toBe(`${site.base}${site.martyrWithPhotoPath}`);
    await context.close();
  });

  it('answers a mistyped tracking code with its own message and the box to type it again', async () => {
    const { context, page } = await phonePage(browser);
    await page.goto(`${site.base}/`);
    await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Theo dõi', exact: true }).click();
    await page.waitForURL(/\/theo-doi$/);
    await page.getByLabel('Mã theo dõi:').fill('ZZZZ-ZZZZ-ZZ');
    const response = page.waitForResponse((r) => r.url().includes('/theo-doi/ZZZZ'));
    await page.getByRole('button', { name: 'Xem' }).click();
    expect((await response).status()).toBe(404);
    await page.waitForURL(/\/theo-doi\/ZZZZ-ZZZZ-ZZ$/);
    expect(await page.getByRole('alert').textContent()).toContain('Không tìm thấy mã theo dõi này.');
    const box = page.getByLabel('Mã theo dõi:');
    expect(await box.inputValue()).toBe('ZZZZ-ZZZZ-ZZ');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ma');
    await firstScreen(page, 'journey-phone-tracking-unknown');
    await context.close();
  });

  it('checks the send-information form in the page\'s language before sending: required fields, then a file too large, each marked and focused', async () => {
    const { context, page } = await phonePage(browser, { throttle: false });
    const posts: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
    await page.goto(`${site.base}/gui-thong-tin?martyr=${site.fx.martyrs.thanh}`);
    // The module script runs after the page is shown: a tap before it would post the plain form.
    await page.locator('form.submit-form[data-enhanced]').waitFor();
    await page.getByRole('button', { name: 'Gửi thông tin' }).click();
    expect(await page.locator('#client-error').textContent()).toBe('Nội dung thông tin: xin điền ô này.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
    expect(await page.locator('#message').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#message').getAttribute('aria-describedby')).toBe('client-error');
    await page.locator('#message').fill('Gia đình có giấy báo tử.');
    await page.locator('#senderName').fill('Nguyễn Thị Hoa');
    await page.locator('#senderContact').fill('0912 345 678');
    // 20 MB: refused at once, before a byte is sent.
    await page.locator('#files').setInputFiles({ name: 'anh-bia-mo.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(20 * 1024 * 1024, 1) });
    expect(await page.locator('#client-error').textContent()).toContain('anh-bia-mo.jpg: tệp lớn hơn 10 MB');
    expect(await page.locator('#files').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Gửi thông tin' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('files');
    await page.locator('#files').setInputFiles({ name: 'chuong-trinh.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    expect(await page.locator('#client-error').textContent()).toBe('chuong-trinh.exe: chỉ nhận ảnh (JPEG, PNG, WebP, HEIC) và tệp PDF.');
    expect(posts).toEqual([]);
    await firstScreen(page, 'journey-phone-form-error');
    await context.close();
  });

  it('sends a photo with a progress bar on the slow link and lands on the tracking page', async () => {
    const { context, page } = await phonePage(browser);
    await page.goto(`${site.base}/gui-thong-tin?martyr=${site.fx.martyrs.thanh}`);
    // The module script runs after the page is shown: a tap before it would post the plain form.
    await page.locator('form.submit-form[data-enhanced]').waitFor();
    await page.locator('#message').fill('Ảnh bia mộ chụp năm 2025.');
    await page.locator('#senderName').fill('Nguyễn Thị Hoa');
    await page.locator('#senderContact').fill('0912 345 678');
    const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#8a8a80' } }).jpeg({ quality: 100 }).toBuffer();
    await page.locator('#files').setInputFiles({ name: 'bia-mo.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([photo]) });
    await page.getByRole('button', { name: 'Gửi thông tin' }).click();
    await page.locator('#upload-progress:not([hidden])').waitFor();
    await page.waitForURL(/\/theo-doi\/[0-9A-Z-]+\?moi=1$/, { timeout: 60_000 });
    expect(await page.textContent('body')).toContain('Đã nhận thông tin của bạn.');
    await context.close();
  });

  /** Every public page a relative may reach, by name for the screenshots. */
  const pages = (s: JourneySite): [string, string][] => [
    ['home', '/'],
    ['results', '/tim-kiem?q=nguyen+van+thanh'],
    ['results-none', '/tim-kiem?q=zzqxw'],
    ['martyr', s.martyrWithPhotoPath],
    ['martyr-no-grave', `/liet-si/${s.fx.martyrs.noGrave}-do-xuan-hoa`],
    ['print', `${s.martyrWithPhotoPath}?print=1`],
    ['grave', `/mo/${s.fx.graves.ofThanh}`],
    ['grave-unknown', `/mo/${s.fx.graves.unknown}`],
    ['cemetery', `/nghia-trang/${s.fx.cemeteries.truongSon}-nghia-trang-liet-si-quoc-gia-truong-son`],
    ['province', '/tinh/quang-tri'],
    ['provinces', '/tinh'],
    ['send', `/gui-thong-tin?martyr=${s.fx.martyrs.thanh}`],
    ['send-new', '/gui-thong-tin'],
    ['tracking', '/theo-doi'],
  ];

  async function noSidewaysScroll(page: Page, name: string): Promise<string | null> {
    const { doc, view } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
    return doc === view ? null : `${name}: document ${doc} px wide in a ${view} px window`;
  }

  for (const lang of ['vi', 'en'] as const) {
    it(`fits every public page to a phone's width and to a desktop's, in ${lang === 'vi' ? 'Vietnamese' : 'English'}, with no serious accessibility problem`, async () => {
      const problems: string[] = [];
      for (const [viewport, label] of [[{ width: 360, height: 740 }, 'phone'], [DESKTOP, 'desktop']] as const) {
        const context = await browser.newContext({ viewport, isMobile: label === 'phone', hasTouch: label === 'phone' });
        const page = await context.newPage();
        for (const [name, path] of pages(site)) {
          const url = `${site.base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
          const res = await page.goto(url);
          if (!res || res.status() >= 400) problems.push(`${name}: status ${res?.status()}`);
          const overflow = await noSidewaysScroll(page, `${label} ${name}`);
          if (overflow) problems.push(overflow);
          if (label === 'phone') {
            const { violations } = await new AxeBuilder({ page }).analyze();
            for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
              problems.push(`${name}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
            }
          }
          await screenshot(page, `journey-${label}-${lang}-${name}`);
        }
        await context.close();
      }
      expect(problems).toEqual([]);
    });
  }
});
