/**
 * The phone: 360x740 at 3x, a touch screen, on a slow link (1.6 Mbps down, 750 kbps up,
 * 150 ms) with a CPU four times slower, set through the DevTools protocol as Chrome's own
 * "slow 4G" and "4x slowdown" presets are.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const PHONE = { width: 360, height: 740 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

export const SLOW_LINK = { latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 } as const;

/** A page on the slow phone; `throttle: false` for quick looks where timing does not matter. */
export async function phonePage(browser: Browser, options: { throttle?: boolean; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: options.locale ?? 'vi-VN' });
  const page = await context.newPage();
  if (options.throttle !== false) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...SLOW_LINK });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  }
  return { context, page };
}

/** Whether an element's box lies (at least partly, top edge included) in the first viewport. */
export async function inFirstViewport(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    const box = el.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.top < window.innerHeight && box.bottom <= window.innerHeight + 1;
  });
}
