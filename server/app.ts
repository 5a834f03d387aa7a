/**
 * Builds the Express application from its dependencies; no listening, no service start-up. Tests
 * import this with a throwaway database and their own Meilisearch.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { type Express } from 'express';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { accountRoutes } from './accounts/accounts.routes.js';
import { loadStaff, requireCsrf } from './accounts/auth.middleware.js';
import { ROOT_DIR, type Config } from './config.js';
import { staffRoutes } from './staff/staff.routes.js';
import { coverageRoutes } from './coverage/coverage.routes.js';
import { outboxAdminRoutes } from './search/outbox-admin.routes.js';
import { submissionPublicRoutes } from './submissions/public.routes.js';
import { familyPublicRoutes } from './families/requests.routes.js';
import { familyReviewRoutes } from './families/review.routes.js';
import { submissionReviewRoutes } from './submissions/review.routes.js';
import type { Db } from './db/knex.js';
import { healthRoutes } from './health/health.routes.js';
import { homeRoutes } from './home/home.routes.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { localeMiddleware } from './http/locale.js';
import { refuseBadText } from './http/text-guard.js';
import type { Logger } from './logger.js';
import type { ProvinceCatalogue } from './places/province-catalogue.js';
import type { Meilisearch } from './search/client.js';
import { searchRoutes } from './search/search.routes.js';
import { cemeteryApiRoutes } from './cemeteries/cemeteries.routes.js';
import { graveApiRoutes } from './graves/graves.routes.js';
import { martyrApiRoutes } from './martyrs/martyrs.routes.js';
import { pageRoutes } from './pages/pages.routes.js';
import { photoFiles } from './pages/photos.static.js';
import { MVT_TYPE, tileRoutes } from './tiles/tiles.routes.js';
import { mapRoutes } from './map/map.routes.js';
import { createPhotoDeps } from './photos/photo-deps.js';
import { photoRoutes } from './photos/photos.routes.js';
import { upkeepRoutes } from './upkeep/upkeep.routes.js';
import { importRoutes } from './imports/imports.routes.js';
import { ogcRoutes } from './ogc/ogc.routes.js';
import { changeFeedRoutes } from './opendata/changes.routes.js';
import { downloadRoutes } from './opendata/downloads.routes.js';
import { openApiRoutes } from './openapi/openapi.routes.js';
import { dossierRoutes } from './dossiers/dossiers.routes.js';
import type { JobSender } from './jobs/job-sender.js';
import { createFileStores, importFilesOf, photosDirOf } from './storage/file-stores.js';
import { staticFiles } from './static/static-files.js';
import { followRoutes } from './notify/follow.routes.js';
import { photoRequestRoutes } from './photo-requests/photo-requests.routes.js';
import { remembranceRoutes } from './remembrance/remembrance.routes.js';

export type AppDeps = {
  config: Config;
  db: Db;
  meili: Meilisearch;
  provinces: ProvinceCatalogue;
  logger: Logger;
  /** The job queue's sender (portal.ts); without it dossier uploads answer that background work is not running. */
  jobs?: JobSender;
};

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function createApp({ config, db, meili, provinces, logger, jobs }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  // Every page's footer names who runs the portal (sendPage reads it).
  app.locals.portal = config.portal;

  app.use(
    pinoHttp({
      logger,
      // Keep a caller's request id when it looks like one, so a trace can cross a proxy.
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      serializers: {
        // Query strings may hold what a family typed; the path is enough for the access log.
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'worker-src': ["'self'", 'blob:'],
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'frame-ancestors': ["'none'"],
          // Off: over plain HTTP on a LAN it would make browsers fetch every asset over HTTPS.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  // Vector tiles are not in compression's list of compressible types, but they compress well.
  // Below 4 KB an answer fits in the first flight of packets either way, so compressing it saves
  // no round trip, only costs CPU (as-you-type suggestions, about 1.5 KB, are the busiest case).
  app.use(compression({ threshold: '4kb', filter: (req, res) => String(res.getHeader('Content-Type') ?? '').startsWith(MVT_TYPE) || compression.filter(req, res) }));
  // Browsers ask for /favicon.ico whatever the page says.
  app.get('/favicon.ico', (_req, res) => res.redirect(301, '/static/favicon.svg'));
  app.use('/static', staticFiles(path.join(ROOT_DIR, 'web', 'static')));
  app.use('/photos', photoFiles(db, photosDirOf(config)));
  app.use(express.json({ limit: '100kb' }));
  // Form bodies for every route (the CSRF check reads the token from them); uploads parse their own.
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(cookieParser());
  app.use(localeMiddleware);
  app.use(refuseBadText);
  app.use(loadStaff(db, config));
  app.use(requireCsrf);

  app.use(healthRoutes(db, meili));
  app.use(homeRoutes(db, config.publicBaseUrl));
  app.use(searchRoutes({ db, meili, indexUid: config.meiliIndex, provinces, logger }));
  app.use(martyrApiRoutes(db));
  app.use(graveApiRoutes(db));
  app.use(cemeteryApiRoutes(db, provinces));
  app.use(pageRoutes({ db, provinces, publicBaseUrl: config.publicBaseUrl }));
  app.use(tileRoutes(db, config.publicBaseUrl));
  app.use(changeFeedRoutes(db, config.publicBaseUrl, config.openData));
  app.use(downloadRoutes(db, config, provinces));
  app.use(openApiRoutes(config));
  app.use(ogcRoutes({ db, provinces, publicBaseUrl: config.publicBaseUrl, openData: config.openData }));
  app.use(mapRoutes({ search: { db, meili, indexUid: config.meiliIndex, provinces, logger }, publicBaseUrl: config.publicBaseUrl, mapOnlineBasemapUrl: config.mapOnlineBasemapUrl }));
  app.use(accountRoutes(db, config));
  app.use(staffRoutes(db, provinces));
  app.use(coverageRoutes(db, provinces));
  app.use(outboxAdminRoutes(db));
  app.use(importRoutes(db, importFilesOf(config), provinces));
  // The file stores and the photo processing queue, built once here and passed to every route that uses them.
  const files = createFileStores(config);
  const photos = createPhotoDeps(files.photos, db, logger);
  app.use(photoRoutes(photos));
  app.use(upkeepRoutes(photos));
  // Before the submissions' routes: a tracking code that is not a family request's goes on to theirs.
  app.use(familyPublicRoutes(db, config, provinces));
  app.use(familyReviewRoutes(db, config));
  app.use(submissionPublicRoutes(db, config, provinces, files.private));
  app.use(submissionReviewRoutes(db, config, provinces, { privateStore: files.private, photoStore: files.photos, queue: photos.queue }));
  app.use(dossierRoutes({ db, meili, store: files.dossiers, jobs, indexUid: config.meiliDossierIndex, logger }, provinces));

  app.use(followRoutes(db, config));
  app.use(photoRequestRoutes(db, config));
  app.use(remembranceRoutes(db));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
