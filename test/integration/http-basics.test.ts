import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/knex.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { createMeiliClient } from '../../server/search/client.js';
import { startMeiliProcess, type MeiliProcess } from '../../server/setup/meilisearch-process.js';
import { createTestDatabase, silentLogger, testApp, type TestDatabase } from '../support/services.js';

describe('health, readiness and errors', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('http');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('answers /healthz while the process is up', async () => {
    const res = await request(await testApp(t.db)).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL and Meilisearch both answer', async () => {
    const res = await request(await testApp(t.db)).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.checks.postgres.ok).toBe(true);
    expect(res.body.checks.meilisearch.ok).toBe(true);
  });

  describe('with a Meilisearch of its own that the test stops', () => {
    let dir: string;
    let meili: MeiliProcess;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mls-readyz-'));
      meili = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });
    });
    afterAll(async () => {
      await meili.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('turns /readyz to 503 naming meilisearch once the process is stopped', async () => {
      const app = await testApp(t.db, { meili: createMeiliClient(meili.url, meili.masterKey, 1000) });
      expect((await request(app).get('/readyz')).status).toBe(200);
      await meili.stop();
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unavailable');
      expect(res.body.down).toEqual(['meilisearch']);
      expect(res.body.checks.postgres.ok).toBe(true);
      // Liveness is not readiness: the process itself is fine.
      expect((await request(app).get('/healthz')).status).toBe(200);
    });
  });

  it('restarts its own Meilisearch when the child process dies, on the same address', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mls-restart-'));
    const meili = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: true, maxIndexingMemory: '256MiB' });
    try {
      const before = meili.pid;
      meili.kill('SIGKILL');
      const deadline = Date.now() + 30_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        healthy = await fetch(`${meili.url}/health`).then((r) => r.ok, () => false);
      }
      expect(healthy).toBe(true);
      expect(meili.pid).not.toBe(before);
    } finally {
      await meili.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never runs a tampered copy of the Meilisearch binary: it is replaced by the verified one', async () => {
    const { MEILI_BINARY_SHA256 } = await import('../../server/setup/meilisearch-process.js');
    expect(MEILI_BINARY_SHA256).toMatch(/^[0-9a-f]{64}$/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mls-tamper-'));
    try {
      // A tampered copy in our folder is replaced from the package, after checking the package's own.
      const { mkdir, writeFile, readFile } = await import('node:fs/promises');
      await mkdir(path.join(dir, 'bin'), { recursive: true });
      await writeFile(path.join(dir, 'bin', 'meilisearch-1.21.0'), '#!/bin/sh\necho tampered\n', { mode: 0o755 });
      const meili = await startMeiliProcess({ dir, logger: silentLogger, restartOnCrash: false, maxIndexingMemory: '256MiB' });
      await meili.stop();
      expect((await readFile(path.join(dir, 'bin', 'meilisearch-1.21.0'))).length).toBeGreaterThan(1_000_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns /readyz to 503 naming postgres when the database cannot be reached', async () => {
    const unreachable = createDb('postgres://postgres@127.0.0.1:1/none', 1, silentLogger);
    try {
      const provinces = await loadProvinceCatalogue(t.db);
      const res = await request(await testApp(unreachable, { provinces })).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.down).toEqual(['postgres']);
      expect(JSON.stringify(res.body)).not.toContain('127.0.0.1:1');
    } finally {
      await unreachable.destroy();
    }
  });

  it('answers an unknown API path with the JSON error shape', async () => {
    const res = await request(await testApp(t.db)).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers an unknown page with a 404 page in Vietnamese, and in English when asked', async () => {
    const vi = await request(await testApp(t.db)).get('/khong-co-trang-nay').set('Accept', 'text/html');
    expect(vi.status).toBe(404);
    expect(vi.type).toBe('text/html');
    expect(vi.text).toContain('Không tìm thấy trang');
    const en = await request(await testApp(t.db)).get('/no-such-page?lang=en').set('Accept', 'text/html');
    expect(en.status).toBe(404);
    expect(en.text).toContain('Page not found');
  });

  it('shows a 500 page with a reference and no stack trace or SQL when the database fails', async () => {
    const broken = await createTestDatabase('broken');
    try {
      await broken.db.raw('DROP TABLE photos CASCADE');
      const page = await request(await testApp(broken.db)).get('/').set('Accept', 'text/html');
      expect(page.status).toBe(500);
      expect(page.text).toContain('Đã có lỗi xảy ra');
      expect(page.text).not.toMatch(/photos|SELECT|at .*\.ts:\d+|Error:/);
      expect(page.text).toContain(page.headers['x-request-id']);

      const api = await request(await testApp(broken.db)).get('/api/stats');
      expect(api.status).toBe(500);
      expect(api.body.error.code).toBe('internal_error');
      expect(JSON.stringify(api.body)).not.toMatch(/photos|SELECT|stack/);
    } finally {
      await broken.drop();
    }
  });

  it('keeps a well-formed request id from the caller and makes one otherwise', async () => {
    const kept = await request(await testApp(t.db)).get('/healthz').set('X-Request-Id', 'abc-123-def-456');
    expect(kept.headers['x-request-id']).toBe('abc-123-def-456');
    const replaced = await request(await testApp(t.db)).get('/healthz').set('X-Request-Id', '<script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers with a Content-Security-Policy that allows no inline script', async () => {
    const res = await request(await testApp(t.db)).get('/');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('shows on the home page what the portal holds, counted from the database', async () => {
    const cemetery = await t.db.raw(`
      INSERT INTO cemeteries (name, level, province_code, location)
      VALUES ('Nghĩa trang liệt sĩ Trường Sơn', 'national', '44', ST_SetSRID(ST_MakePoint(106.95, 16.95), 4326)) RETURNING id`);
    const cemeteryId = cemetery.rows[0].id;
    const graves = await t.db('graves').insert([
      { cemetery_id: cemeteryId, state: 'identified', row_label: '1', plot_number: '1' },
      { cemetery_id: cemeteryId, state: 'unknown', row_label: '1', plot_number: '2' },
    ]).returning('id');
    await t.db('martyrs').insert([
      { full_name: 'Nguyễn Văn Thành', grave_id: graves[0]!.id },
      { full_name: 'Trần Văn Hùng' },
      { full_name: 'Hồ sơ mật', is_public: false },
    ]);
    const res = await request(await testApp(t.db)).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/data-count="martyrs">2</);
    expect(res.text).toMatch(/data-count="graves">2</);
    expect(res.text).toMatch(/data-count="cemeteries">1</);
    expect(res.text).toContain('<html lang="vi">');
  });
});
