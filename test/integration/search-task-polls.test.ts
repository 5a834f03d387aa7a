/**
 * Waiting for a Meilisearch task survives a poll the engine does not answer in time: the task is
 * in the queue already, so the wait asks again (index-writer.ts). A real Meilisearch, behind a
 * proxy that holds back the first status request past the client's timeout, as a loaded machine
 * did during a million-record rebuild.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { PRIMARY_KEY, settled } from '../../server/search/index-writer.js';
import { testMeili } from '../support/services.js';

describe('waiting for a Meilisearch task', () => {
  let proxy: http.Server;
  let proxyUrl = '';
  let heldBack = 0;
  const uid = `test_polls_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const target = new URL(inject('meiliUrl'));
    proxy = http.createServer((req, res) => {
      const forward = () => {
        const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        req.pipe(upstream);
      };
      // The first status request of a task is answered only after the client gave up on it.
      if (req.method === 'GET' && /^\/tasks\/\d+/.test(req.url ?? '') && heldBack === 0) {
        heldBack += 1;
        setTimeout(forward, 1500);
        return;
      }
      forward();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await testMeili().deleteIndexIfExists(uid);
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('asks again when a poll times out, and returns the task once it succeeded', async () => {
    const meili = createMeiliClient(proxyUrl, inject('meiliKey'), 500);
    const task = await settled(meili, meili.createIndex(uid, { primaryKey: PRIMARY_KEY }), 30_000);
    expect(heldBack).toBe(1);
    expect(task.status).toBe('succeeded');
    expect((await testMeili().getRawIndex(uid)).uid).toBe(uid);
  });

  it('still fails on a task that failed, without waiting for the deadline', async () => {
    const meili = createMeiliClient(proxyUrl, inject('meiliKey'), 500);
    // The index exists now: creating it again is a failed task, not a poll to repeat.
    await expect(settled(meili, meili.createIndex(uid, { primaryKey: PRIMARY_KEY }), 30_000)).rejects.toThrow(/index_already_exists|already exists/);
  });
});
