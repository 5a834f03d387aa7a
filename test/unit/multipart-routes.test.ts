/**
 * A multipart body is parsed only by the routes that take files; on any other POST it would reach
 * the handler as an empty form and do what an empty form does (retry every parked row, take every
 * role away). So every POST route either refuses it (formBodyOnly, 415) or parses it itself, and
 * this list of the ones that parse it is the whole list: a new route that forgets fails here.
 */
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createDb } from '../../server/db/knex.js';
import { formBodyOnly } from '../../server/http/form-body.js';
import { createLogger } from '../../server/logger.js';
import type { ProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { createMeiliClient } from '../../server/search/client.js';

const TAKES_FILES = ['/gui-thong-tin', '/quan-ly/anh', '/quan-ly/mo/:id/anh', '/quan-ly/ho-so/:id/tai-lieu', '/quan-ly/ho-so/tai-thu-muc', '/quan-ly/nhap-du-lieu'];

type Layer = { route?: { path: string; methods: Record<string, boolean>; stack: { handle: unknown }[] }; handle: { stack?: Layer[] } };

function postRoutes(stack: Layer[]): { path: string; refusesMultipart: boolean }[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      if (!layer.route.methods.post) return [];
      return [{ path: layer.route.path, refusesMultipart: layer.route.stack.some((l) => l.handle === formBodyOnly) }];
    }
    return layer.handle.stack ? postRoutes(layer.handle.stack) : [];
  });
}

describe('multipart bodies', () => {
  it('are refused by every POST route but the six that take files', () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    // Nothing is connected: building the app opens no connection.
    const db = createDb('postgres://nobody@127.0.0.1:1/none', 1, logger);
    const meili = createMeiliClient('http://127.0.0.1:1', undefined);
    const app: Express = createApp({ config, db, meili, provinces: { current: [], old: [], placeNamesFolded: [], currentName: () => undefined } as unknown as ProvinceCatalogue, logger });
    const routes = postRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((r) => !r.refusesMultipart).map((r) => r.path).sort()).toEqual([...TAKES_FILES].sort());
    void db.destroy();
  });
});
