/**
 * The open-data pages in Chromium, desktop and phone: /du-lieu-mo, the OGC HTML pages and
 * /api/docs render, fit a phone's width, and load nothing from elsewhere. Screenshots go to
 * test/artifacts/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo/seed-demo.js';
import { buildNationalFiles } from '../../server/opendata/downloads.service.js';
import { launchBrowser, listen, screenshot, skipWithoutChromium } from '../support/browser.js';
import { DESKTOP, PHONE, phonePage } from '../support/phone.js';
import { createTestDatabase, silentLogger, testApp, testConfig, type TestDatabase } from '../support/services.js';

const PAGES = { opendata: '/du-lieu-mo', 'ogc-landing': '/ogc', 'ogc-items': '/ogc/collections/graves/items?limit=20', 'ogc-item': '', 'api-docs': '/api/docs' };

describe.skipIf(skipWithoutChromium())('open-data pages in a browser', () => {
  let t: TestDatabase;
  let dir: string;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    t = await createTestDatabase('odbrowser');
    dir = await mkdtemp(path.join(os.tmpdir(), 'mls-odb-'));
    await seedDemo(t.db, silentLogger, { graves: 300, seed: 'du-lieu', maxPhotos: 0, photosDir: path.join(dir, 'photos') });
    await buildNationalFiles(t.db, dir, '', silentLogger);
    PAGES['ogc-item'] = `/ogc/collections/graves/items/${(await t.db('graves').first('id')).id}`;
    site = await listen(await testApp(t.db, { config: testConfig({ DATA_DIR: dir }) }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, url] of Object.entries(PAGES)) {
    it(`${name} renders on a desktop and fits a phone`, async () => {
      const desktop = await browser.newPage({ viewport: DESKTOP });
      const foreign: string[] = [];
      desktop.on('request', (r) => {
        if (!r.url().startsWith(site.base)) foreign.push(r.url());
      });
      const res = await desktop.goto(`${site.base}${PAGES[name as keyof typeof PAGES] || url}`);
      expect(res?.status()).toBe(200);
      await screenshot(desktop, `opendata-${name}-desktop`);
      expect(foreign).toEqual([]);
      await desktop.close();
      const { context, page } = await phonePage(browser, { throttle: false });
      await page.goto(`${site.base}${PAGES[name as keyof typeof PAGES] || url}`);
      await screenshot(page, `opendata-${name}-phone`);
      const overflow = await page.evaluate((width) => document.documentElement.scrollWidth - width, PHONE.width);
      expect(overflow, 'wider than the phone').toBeLessThanOrEqual(1);
      await context.close();
    });
  }
});
