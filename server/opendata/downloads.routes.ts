/**
 * The open data page and its files:
 *   /du-lieu-mo                          the page (files, dictionary, licence, DCAT)
 *   /du-lieu-mo/tu-dien.json             the data dictionary, Vietnamese and English
 *   /du-lieu-mo/:dataset.:format         a national file, built by the scheduled job (ETag, Range)
 *   /du-lieu-mo/tinh/:slug/:dataset.:format  a province's file, streamed on demand
 * Files are limited per address (DOWNLOAD_RATE_LIMIT_PER_HOUR); the page is not.
 */
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { AppError, NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { limitPerAddress } from '../limits/address-limit.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { viewContext } from '../pages/page-http.js';
import { MEDIA_TYPES, parseFileName } from './datasets.js';
import { storedPath, streamProvinceFile } from './downloads.service.js';
import { findOpenDataFile, listOpenDataFiles } from './files.queries.js';
import { dictionary, OPEN_DATA_PATH, openDataView, PROVINCE_FORMATS } from './opendata.page.js';

/** A province file is one query: a slow reader may hold it open this long at most. */
const PROVINCE_FILE_TIMEOUT_MS = 10 * 60_000;
/** The national files change once a day; a client revalidates with the ETag after an hour. */
const NATIONAL_CACHE = 'public, max-age=3600, no-transform';

export function downloadRoutes(db: Db, config: Config, provinces: ProvinceCatalogue): Router {
  const router = Router();
  const limited = limitPerAddress(db, { name: 'download', max: config.openData.downloadsPerHour, windowSeconds: 3600 });

  router.get(OPEN_DATA_PATH, async (req, res) => {
    const ctx = viewContext(req, res, config.publicBaseUrl);
    sendPage(req, res, 'opendata', openDataView(ctx, await listOpenDataFiles(db), provinces.current, config.openData));
  });

  router.get(`${OPEN_DATA_PATH}/tu-dien.json`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json({ licence: config.openData.licence, datasets: dictionary() });
  });

  router.get(`${OPEN_DATA_PATH}/tinh/:slug/:file`, limited, async (req, res) => {
    const ref = provinces.resolve(String(req.params.slug));
    const province = ref?.scope === 'current' ? provinces.current.find((p) => p.code === ref.code) : undefined;
    const file = parseFileName(String(req.params.file));
    if (!province || !file || file.format === 'gpkg' || !PROVINCE_FORMATS(file.dataset).includes(file.format)) throw new NotFoundError(translate(localeOf(res), 'opendata.noSuchFile'));
    const format = file.format;
    res.set({
      'Content-Type': MEDIA_TYPES[format],
      'Content-Disposition': `attachment; filename="mo-liet-si-${file.dataset}-${province.slug}.${format}"`,
      'Cache-Control': 'public, max-age=600',
      'X-Open-Data-Licence': config.openData.licence.url,
    });
    await streamProvinceFile(db, { dataset: file.dataset, format, scope: { provinceCode: province.code, base: baseOf(req, config) }, timeoutMs: PROVINCE_FILE_TIMEOUT_MS }, res);
  });

  router.get(`${OPEN_DATA_PATH}/:file`, limited, async (req, res) => {
    const file = parseFileName(String(req.params.file));
    if (!file) throw new NotFoundError(translate(localeOf(res), 'opendata.noSuchFile'));
    const built = await findOpenDataFile(db, String(req.params.file));
    if (!built) throw new AppError(503, 'not_built_yet', translate(localeOf(res), 'opendata.notBuilt'));
    const date = built.built_at.toISOString().slice(0, 10);
    res.set({
      ETag: `"${built.sha256}"`,
      'Cache-Control': NATIONAL_CACHE,
      'Content-Type': MEDIA_TYPES[file.format],
      'Content-Disposition': `attachment; filename="mo-liet-si-${file.dataset}-${date}.${file.format}"`,
      'X-Open-Data-Licence': config.openData.licence.url,
      // Where a consumer of this file continues in the change feed.
      'X-Feed-Cursor': built.feed_cursor,
    });
    await sendNational(req, res, storedPath(config.dataDir, built));
  });

  return router;
}

/** Range, If-Range and If-None-Match by `send`, against the strong ETag set above. */
function sendNational(req: Request, res: Response, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(path.resolve(file), { etag: false, lastModified: true, acceptRanges: true, dotfiles: 'deny' }, (error?: Error & { code?: string }) => {
      if (!error) return resolve();
      if (error.code === 'ENOENT') return reject(new AppError(503, 'not_built_yet', translate(localeOf(res), 'opendata.notBuilt')));
      // The client went away or a range was refused: send has answered already.
      if (res.headersSent) return resolve();
      reject(error);
    });
  });
}

function baseOf(req: Request, config: Config): string {
  return config.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

