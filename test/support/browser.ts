/**
 * Browser tests: Debian's Chromium driven by playwright-core, against an app listening on a free
 * port; screenshots go to test/artifacts/ (git-ignored) to be looked at.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT_DIR } from '../../server/config.js';
import { skipWithoutFile } from './required-tool.js';

export const CHROMIUM = '/usr/bin/chromium';
/** For `describe.skipIf`: skips, saying what to install, when Chromium is missing; fails the run under CI=true. */
export const skipWithoutChromium = () => skipWithoutFile(CHROMIUM, 'Chromium', 'run `sudo apt-get install -y chromium` (or `bash scripts/install-system-deps.sh` as root)');
export const ARTIFACTS = path.join(ROOT_DIR, 'test', 'artifacts');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export async function listen(app: Express): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
