/**
 * TRUST_PROXY decides whose word counts for the client's address and scheme: the submission limit
 * keys on the address (sender_ip), cookies get Secure from the scheme. supertest connects from
 * 127.0.0.1, so it plays a proxy on the loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, testConfig, type TestDatabase } from '../support/services.js';

describe('TRUST_PROXY', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let dataDir: string;
  beforeAll(async () => {
    t = await createTestDatabase('trustproxy');
    fx = await loadSearchFixture(t.db);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-trustproxy-'));
  });
  afterAll(async () => {
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The sender address the portal stored for a submission sent through a "proxy" claiming forwardedFor. */
  const storedSenderIp = async (trustProxy: string | undefined, forwardedFor: string) => {
    const app = await testApp(t.db, { config: testConfig({ DATA_DIR: dataDir, ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) }) });
    let req = request(app).post('/gui-thong-tin').set('X-Forwarded-For', forwardedFor);
    const fields = { website: '', senderName: 'Nguyễn Thị Hoa', senderContact: '0912 345 678', senderRelation: 'cháu', message: 'Gia đình tôi có giấy báo tử.', martyr: String(fx.martyrs.duc), kind: 'martyr_correction', unit: 'Trung đoàn 9' };
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    const res = await req;
    expect(res.status).toBe(303);
    const code = /\/theo-doi\/([0-9A-Z-]+)/.exec(res.headers.location ?? '')![1]!;
    return (await t.db('submissions').where({ tracking_code: code }).first()).sender_ip as string;
  };

  it('believes a proxy on the loopback by default (today behaviour)', async () => {
    expect(await storedSenderIp(undefined, '203.0.113.7')).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For when set to false: every request is its own peer', async () => {
    expect(await storedSenderIp('false', '203.0.113.8')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('believes only the proxies it names: a loopback peer is not in 10.0.0.0/8', async () => {
    expect(await storedSenderIp('10.0.0.0/8', '203.0.113.9')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(await storedSenderIp('10.0.0.0/8, 127.0.0.1', '203.0.113.10')).toBe('203.0.113.10');
  });

  it('counts hops: with 1, the address the nearest proxy saw', async () => {
    expect(await storedSenderIp('1', '198.51.100.1, 203.0.113.11')).toBe('203.0.113.11');
  });

  it('marks cookies Secure when a trusted proxy says https, and only then', async () => {
    const secureCookie = async (trustProxy: string) => {
      const app = await testApp(t.db, { config: testConfig({ TRUST_PROXY: trustProxy }) });
      const res = await request(app).get('/').query({ lang: 'en' }).set('X-Forwarded-Proto', 'https');
      return /;\s*Secure/i.test(String(res.headers['set-cookie']));
    };
    expect(await secureCookie('loopback')).toBe(true);
    expect(await secureCookie('192.0.2.1')).toBe(false);
  });

  it('stops start-up naming TRUST_PROXY when the value is not one Express understands', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/40' })).toThrow(/TRUST_PROXY/);
  });
});
