/**
 * The map as a person sees it, in Debian's Chromium on demo data: Vietnam whole among its
 * neighbours, Hoàng Sa and Trường Sa named, count bubbles and names that never overlap at
 * national, province and local zoom, counts written out ("2.200"), and the phone map's grave card
 * in view after picking a result; the desktop page never scrolls past the map.
 * Screenshots of each view go to test/artifacts/ (git-ignored) to be looked at.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo/seed-demo.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { reindex } from '../../server/search/reindex.js';
import { ARTIFACTS, CHROMIUM, launchBrowser, listen } from '../support/browser.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

/** Tried only when the plain headless browser has no WebGL 2: software rendering through ANGLE. */
const SOFTWARE_GL_ARGS = ['--headless', '--no-sandbox', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
const indexUid = `test_basemap_${randomBytes(4).toString('hex')}`;

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

type Rect = { kind: string; text: string; left: number; top: number; right: number; bottom: number };

/** Every bubble and name drawn over the map, with its box in page pixels. */
function overlayBoxes(page: Page): Promise<Rect[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.map-labels > *')).map((el) => {
      const r = el.getBoundingClientRect();
      return { kind: el.className, text: el.textContent ?? '', left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }),
  );
}

/** Pairs of boxes that share any area (touching edges do not count). */
function intersecting(boxes: Rect[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.push(`${a.kind} "${a.text}" × ${b.kind} "${b.text}"`);
    }
  }
  return out;
}

/** Web Mercator as MapLibre draws it: 512 pixels for the world at zoom 0. */
const mercator = (lng: number, lat: number): [number, number] => {
  const r = (lat * Math.PI) / 180;
  return [(lng + 180) / 360, (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2];
};

/** The colour of the map at (lng, lat), for a map of `size` centred on `centre` at zoom `z`. */
async function pixelAt(page: Page, view: { z: number; lng: number; lat: number }, lng: number, lat: number): Promise<[number, number, number]> {
  const png = await page.locator('#map').screenshot();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const [cx, cy] = mercator(view.lng, view.lat);
  const [px, py] = mercator(lng, lat);
  const scale = 512 * 2 ** view.z;
  const x = Math.round(info.width / 2 + (px - cx) * scale);
  const y = Math.round(info.height / 2 + (py - cy) * scale);
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

describe.skipIf(!existsSync(CHROMIUM))('the basemap and the phone map in Chromium', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let browser: Browser;
  let close: () => Promise<void>;
  let base: string;
  let photos: string;
  let biggest: { lng: number; lat: number };
  let someone: { name: string; grave: number };

  beforeAll(async () => {
    t = await createTestDatabase('basemap');
    photos = await mkdtemp(path.join(os.tmpdir(), 'mls-basemap-photos-'));
    await seedDemo(t.db, silentLogger, { graves: 6_000, seed: 'ban-do', maxPhotos: 0, photosDir: photos });
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    const { rows } = await t.db.raw(`
      SELECT ST_X(c.location) AS lng, ST_Y(c.location) AS lat FROM cemeteries c JOIN cemetery_stats s ON s.cemetery_id = c.id
      ORDER BY s.identified + s.partial + s.unknown DESC LIMIT 1`);
    biggest = { lng: Number(rows[0].lng), lat: Number(rows[0].lat) };
    const martyr = await t.db('martyrs as m').join('graves as g', 'g.id', 'm.grave_id').whereNotNull('g.position').orderBy('m.id').first('m.full_name', 'g.id');
    someone = { name: String(martyr.full_name), grave: Number(martyr.id) };
    const app = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid }) });
    ({ base, close } = await listen(app));
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
    await testMeili().deleteIndexIfExists(indexUid);
    await rm(photos, { recursive: true, force: true });
    await t?.drop();
  });

  async function open(viewport: { width: number; height: number }, query: string, locale = 'vi-VN', slow = false) {
    const context = await browser.newContext({ viewport, locale, reducedMotion: 'reduce', isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
    const page = await context.newPage();
    if (slow) {
      // The phone: CPU 4x slower, 1.6 Mbps down, 150 ms.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 94_000 });
    }
    page.on('close', () => void context.close().catch(() => undefined));
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${base}/ban-do?${query}`);
    return { page, problems };
  }

  /** Waits until the overlay has been laid out at rest, and not again for a moment. */
  async function settled(page: Page) {
    const layouts = () => page.evaluate(() => Number(document.querySelector('.map-labels')?.getAttribute('data-layouts') ?? 0));
    await expect.poll(layouts, { timeout: 30_000 }).toBeGreaterThan(0);
    for (let last = -1, now = await layouts(); now !== last; last = now, now = await layouts()) await page.waitForTimeout(600);
  }

  const views = [
    { z: 5, at: () => ({ lng: 106.5, lat: 15.8 }) },
    { z: 8, at: () => ({ lng: 105.9, lat: 20.8 }) },
    { z: 11, at: () => biggest },
    { z: 15, at: () => biggest },
  ];

  for (const device of [{ name: 'desktop', viewport: DESKTOP }, { name: 'phone', viewport: PHONE }]) {
    it(`draws bubbles and names that never overlap at z5, z8 and z11 (${device.name}), with a screenshot at each zoom`, async () => {
      for (const view of views) {
        const { lng, lat } = view.at();
        const { page, problems } = await open(device.viewport, `map=${view.z}.00/${lat.toFixed(5)}/${lng.toFixed(5)}`);
        await settled(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `basemap-${device.name}-z${view.z}.png`) });
        const boxes = await overlayBoxes(page);
        if (view.z < 15) {
          expect(boxes.filter((b) => b.kind.includes('map-cluster')).length, `bubbles at z${view.z}`).toBeGreaterThan(0);
          expect(intersecting(boxes), `z${view.z}`).toEqual([]);
          // Counts as people write them: "2.200", never "2,2 N".
          for (const b of boxes.filter((b) => b.kind.includes('map-cluster'))) expect(b.text).toMatch(/^\d{1,3}(\.\d{3})*$/);
        }
        expect(problems).toEqual([]);
        await page.close();
      }
    });
  }

  it('shows Vietnam whole: Laos and Cambodia as land, the neighbours, seas and both archipelagos named', async () => {
    const { page } = await open(DESKTOP, 'map=5.00/15.80000/108.50000');
    await settled(page);
    const names = (await overlayBoxes(page)).map((b) => b.text);
    expect(names).toEqual(expect.arrayContaining(['Quần đảo Hoàng Sa', 'Quần đảo Trường Sa', 'Lào', 'Campuchia', 'Trung Quốc', 'Thái Lan', 'Biển Đông']));
    // Vientiane and Phnom Penh are land (the neighbours' beige), the East Sea is sea.
    const view = { z: 5, lat: 15.8, lng: 108.5 };
    const sea = await pixelAt(page, view, 113, 12.5);
    const laos = await pixelAt(page, view, 102.6, 18.5);
    const cambodia = await pixelAt(page, view, 104.9, 11.8);
    expect(sea[2]).toBeGreaterThan(sea[0] + 15);
    for (const land of [laos, cambodia]) expect(land[0]).toBeGreaterThan(land[2] + 8);
    await page.screenshot({ path: path.join(ARTIFACTS, 'basemap-desktop-vietnam.png') });
    await page.close();

    // Farther out the northern provinces share a bubble of thousands: written "1.234", in full.
    const far = await open(DESKTOP, 'map=4.00/16.00000/106.00000');
    await settled(far.page);
    const counts = (await overlayBoxes(far.page)).filter((b) => b.kind.includes('map-cluster')).map((b) => b.text);
    expect(counts.some((c) => /^\d{1,3}(\.\d{3})+$/.test(c)), counts.join(' ')).toBe(true);
    expect(intersecting(await overlayBoxes(far.page))).toEqual([]);
    await far.page.screenshot({ path: path.join(ARTIFACTS, 'basemap-desktop-z4.png') });
    await far.page.close();

    const en = await open(DESKTOP, 'map=5.00/15.80000/108.50000&lang=en', 'en-GB');
    await settled(en.page);
    const english = await overlayBoxes(en.page);
    expect(english.map((b) => b.text)).toEqual(expect.arrayContaining(['Hoàng Sa Archipelago', 'Trường Sa Archipelago', 'Laos', 'Cambodia', 'East Sea']));
    for (const b of english.filter((b) => b.kind.includes('map-cluster'))) expect(b.text).toMatch(/^\d{1,3}(,\d{3})*$/);
    await en.page.screenshot({ path: path.join(ARTIFACTS, 'basemap-desktop-english.png') });
    await en.page.goto(`${base}/ban-do?map=4.00/16.00000/106.00000&lang=en`);
    await settled(en.page);
    const englishCounts = (await overlayBoxes(en.page)).filter((b) => b.kind.includes('map-cluster')).map((b) => b.text);
    expect(englishCounts.some((c) => /^\d{1,3}(,\d{3})+$/.test(c)), englishCounts.join(' ')).toBe(true);
    await en.page.close();
  });

  it('zooms in on a count bubble clicked, where its places come apart', async () => {
    const { page, problems } = await open(DESKTOP, 'map=5.00/15.80000/106.50000');
    await settled(page);
    const bubble = page.locator('.map-cluster').first();
    const box = (await bubble.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForURL((url) => Number((url.searchParams.get('map') ?? '0').split('/')[0]) >= 7);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('on a slow phone, picking a result closes the list and shows the grave card with its button in view', async () => {
    const { page, problems } = await open(PHONE, `q=${encodeURIComponent(someone.name)}`, 'vi-VN', true);
    // The results, blue dots on the canvas, show through the count bubbles, which fade.
    await page.locator('.map-labels.is-dimmed').waitFor({ state: 'attached' });
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-map-results.png') });
    await page.getByRole('button', { name: 'Xem danh sách kết quả' }).click();
    const result = page.locator(`#results li[data-grave="${someone.grave}"] button.result-main`).first();
    await result.waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-map-sheet-open.png') });
    await result.click();
    const card = page.locator('#selected');
    await card.locator('h2').waitFor();
    await expect.poll(() => page.locator('#sheet-toggle').getAttribute('aria-expanded')).toBe('false');
    const button = card.getByRole('link', { name: 'Mở trang hồ sơ' });
    await button.waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-map-card.png') });
    const box = (await card.boundingBox())!;
    expect(box.width).toBeGreaterThan(200);
    expect(box.height).toBeGreaterThan(80);
    const b = (await button.boundingBox())!;
    expect(b.y).toBeGreaterThanOrEqual(0);
    expect(b.y + b.height).toBeLessThanOrEqual(PHONE.height);
    // Nothing (the sheet) lies over the button: the point at its middle is the button itself.
    const onTop = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest('a')?.textContent ?? null, [b.x + b.width / 2, b.y + b.height / 2]);
    expect(onTop).toBe('Mở trang hồ sơ');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('on a desktop, the page is exactly as tall as the window: nothing to scroll past the map', async () => {
    const { page } = await open(DESKTOP, `q=${encodeURIComponent(someone.name)}&grave=${someone.grave}`);
    await page.locator('#selected h2').waitFor();
    await page.locator('#results li').first().waitFor();
    const heights = await page.evaluate(() => ({ document: document.documentElement.scrollHeight, body: document.body.scrollHeight, window: window.innerHeight }));
    expect(heights.document).toBe(heights.window);
    expect(heights.body).toBeLessThanOrEqual(heights.window);
    await page.mouse.wheel(0, 2000);
    await expect(page.evaluate(() => window.scrollY)).resolves.toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-map-height.png') });
    await page.close();
  });
});
