/** The journey benchmark itself; started by `npm run bench:journey` (scripts/bench/journey.ts). */
import { readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT_DIR } from '../../server/config.js';
import { launchBrowser } from '../../test/support/browser.js';
import { startJourneySite, type JourneySite } from '../../test/support/journey-site.js';
import { PHONE, phonePage, SLOW_LINK } from '../../test/support/phone.js';

const RESULTS_FILE = path.join(ROOT_DIR, 'bench', 'results', 'journey.json');
const BUILD = path.join(ROOT_DIR, 'web', 'static', 'build');
const KB = 1024;
export const BUDGETS = { home: 30 * KB, martyr: 80 * KB, map: 120 * KB } as const;
const RUNS = 3;

type Weight = { bytes: number; requests: number; byFile: Record<string, number> };

/** Bytes on the wire per request, as the browser counts them (headers and body, compressed). */
async function coldWeight(browser: Browser, base: string, url: string, settle: (page: Page) => Promise<unknown>): Promise<Weight> {
  const { context, page } = await phonePage(browser, { throttle: false });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map<string, string>();
  const byFile: Record<string, number> = {};
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    const name = (urls.get(e.requestId) ?? '?').replace(base, '');
    byFile[name] = (byFile[name] ?? 0) + e.encodedDataLength;
  });
  await page.goto(`${base}${url}`, { waitUntil: 'load' });
  await settle(page);
  await page.waitForLoadState('networkidle');
  await context.close();
  const bytes = Object.values(byFile).reduce((a, b) => a + b, 0);
  return { bytes, requests: Object.keys(byFile).length, byFile };
}

/** Home → type → "Tìm" → first result → the martyr page with its plot: seconds and taps. */
async function timeToGrave(browser: Browser, base: string, typed: string): Promise<{ seconds: number; taps: number }> {
  const { context, page } = await phonePage(browser);
  await page.goto(`${base}/`);
  const started = Date.now();
  let taps = 0;
  await page.getByLabel('Họ tên liệt sĩ, quê quán, năm').tap();
  taps += 1;
  await page.keyboard.type(typed);
  await page.getByRole('button', { name: 'Tìm', exact: true }).tap();
  taps += 1;
  await page.locator('.hit-list > li:first-child .hit-name a').tap();
  taps += 1;
  await page.locator('.grave-first .plot').waitFor();
  const seconds = (Date.now() - started) / 1000;
  await context.close();
  return { seconds, taps };
}

let site: JourneySite;
let browser: Browser;
beforeAll(async () => {
  site = await startJourneySite('benchjourney');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

it('measures page weight on a cold cache and the time to a grave on the slow phone', async () => {
  const home = await coldWeight(browser, site.base, '/', async () => undefined);
  const martyr = await coldWeight(browser, site.base, site.martyrWithPhotoPath, (p) => p.locator('.grave-first .headstone img').evaluate((img: HTMLImageElement) => img.decode()));
  const map = await coldWeight(browser, site.base, '/ban-do', (p) => p.waitForFunction(() => document.body.classList.contains('map-js'), undefined, { timeout: 60_000 }).catch(() => undefined));
  // MapLibre fetches its worker from inside a worker, out of the page's sight: counted from the file sent.
  const workerFile = readdirSync(BUILD).find((d) => /^maplibre-[0-9a-f]{12}$/.test(d));
  const workerBrotliBytes = workerFile ? statSync(path.join(BUILD, workerFile, 'maplibre-gl-worker.mjs.br')).size : 0;
  const maplibreBytes = Object.entries(map.byFile).filter(([name]) => /\/maplibre-[0-9a-f]{12}\/maplibre-gl(-worker)?\.mjs/.test(name)).reduce((a, [, n]) => a + n, 0);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeToGrave(browser, site.base, 'tran van hung'));
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);

  const kb = (n: number) => Math.round((n / KB) * 10) / 10;
  const results = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    profile: { viewport: PHONE, downloadKbps: Math.round((SLOW_LINK.downloadThroughput * 8) / 1024), uploadKbps: Math.round((SLOW_LINK.uploadThroughput * 8) / 1024), latencyMs: SLOW_LINK.latency, cpuSlowdown: 4 },
    dataset: 'test fixture: search fixture (300 namesakes of Nguyễn Văn Thành), one headstone photo',
    weightKB: {
      home: { transferred: kb(home.bytes), budget: kb(BUDGETS.home), requests: home.requests, withinBudget: home.bytes < BUDGETS.home },
      martyrWithPhoto: { transferred: kb(martyr.bytes), budget: kb(BUDGETS.martyr), requests: martyr.requests, withinBudget: martyr.bytes < BUDGETS.martyr },
      map: { transferredBesidesMaplibre: kb(map.bytes - maplibreBytes), maplibre: kb(maplibreBytes), maplibreWorkerBrotli: kb(workerBrotliBytes), budget: kb(BUDGETS.map), requests: map.requests, withinBudget: map.bytes - maplibreBytes < BUDGETS.map },
      files: { home: mapKb(home.byFile), martyrWithPhoto: mapKb(martyr.byFile), map: mapKb(map.byFile) },
    },
    timeToGrave: { typed: 'tran van hung', taps: runs[0]!.taps, secondsMedian: seconds[Math.floor(seconds.length / 2)], secondsRuns: runs.map((r) => r.seconds) },
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify({ weightKB: { home: results.weightKB.home, martyrWithPhoto: results.weightKB.martyrWithPhoto, map: results.weightKB.map }, timeToGrave: results.timeToGrave }, null, 2));
  expect(home.bytes).toBeLessThan(BUDGETS.home);
  expect(martyr.bytes).toBeLessThan(BUDGETS.martyr);
  expect(map.bytes - maplibreBytes).toBeLessThan(BUDGETS.map);

  function mapKb(files: Record<string, number>) {
    return Object.fromEntries(Object.entries(files).map(([name, n]) => [name.length > 80 ? `${name.slice(0, 77)}…` : name, kb(n)]));
  }
});
