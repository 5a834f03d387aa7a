/**
 * OGC API - Features (Part 1: Core, with the GeoJSON, HTML and OpenAPI 3.0 classes) under /ogc:
 *   /ogc                                   landing page
 *   /ogc/conformance, /ogc/api             conformance classes, the OpenAPI 3.0 definition
 *   /ogc/collections[/:id[/items[/:fid]]]  collections, keyset pages of features, one feature
 * HTML for browsers, JSON/GeoJSON for clients, by ?f= or Accept. Every failure under /ogc is the
 * OGC exception ({ code, description }) or its HTML page, never the /api error shape. A per-address
 * limit, generous enough for GDAL and QGIS paging, guards it all.
 */
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { OpenDataConfig } from '../config.js';
import { cachedFor } from '../db/count-cache.js';
import { withStatementTimeout } from '../db/bounded.js';
import type { Db } from '../db/knex.js';
import { BUSY_RETRY_AFTER_SECONDS, isDatabaseBusy } from '../http/db-errors.js';
import { retryAfterOf } from '../http/domain-status.js';
import { RateLimited } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import { translate } from '../i18n/messages.js';
import { limitPerAddress } from '../limits/address-limit.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import {
  COLLECTION_IDS, COLLECTIONS, CONFORMANCE, GEOJSON, OPENAPI_30, collectionDocument, exceptionDocument, isCollectionId, itemDocument, itemsDocument, itemsJson, landingDocument, ogcOpenApi,
} from './ogc.documents.js';
import { OgcParamError, formatParam, ogcItemQuery, ogcItemsQuery, ogcPlainQuery, parseOgc, type OgcItemsQuery } from './ogc.params.js';
import { collectionExtent, featureById, featurePage, numberMatched, type CollectionId, type FeatureFilters } from './ogc.queries.js';

export type OgcDeps = { db: Db; provinces: ProvinceCatalogue; publicBaseUrl: string | undefined; openData: OpenDataConfig };

/** A missing collection or feature, answered 404 in the OGC shape. */
class OgcNotFound extends Error {}

const EXTENT_TTL_MS = 3_600_000;
/** Bodies above this are compressed here, at gzip's fastest level, rather than by the app's compression. */
const LARGE_BODY = 64 * 1024;
const gzipAsync = promisify(gzip);
/** Pages change as records do; a minute of caching spares repeat crawls, the ETag the rest. */
const CACHE_CONTROL = 'public, max-age=60';

type Format = 'json' | 'html';

/** ?f= decides; else the Accept header, JSON when it says nothing (what OGC clients expect). */
function formatOf(req: Request, f: Format | undefined): Format {
  if (f) return f;
  return req.accepts(['application/json', GEOJSON, 'text/html']) === 'text/html' ? 'html' : 'json';
}

function baseOf(req: Request, publicBaseUrl: string | undefined): string {
  return publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** The same items request with a different keyset bound and format: what next, prev and alternate links are. */
function itemsUrl(base: string, collection: CollectionId, query: Record<string, unknown>, change: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (['after', 'before', 'f'].includes(key) || typeof value !== 'string') continue;
    params.set(key, value);
  }
  for (const [key, value] of Object.entries(change)) if (value !== undefined) params.set(key, value);
  return `${base}/ogc/collections/${collection}/items?${params.toString()}`;
}

export function ogcRoutes({ db, provinces, publicBaseUrl, openData }: OgcDeps): Router {
  const router = Router();
  const extents = Object.fromEntries(COLLECTION_IDS.map((id) => [id, cachedFor(EXTENT_TTL_MS, () => collectionExtent(db, id))])) as Record<CollectionId, () => Promise<[number, number, number, number] | undefined>>;

  router.use('/ogc', limitPerAddress(db, { name: 'ogc', max: openData.ogcPerMinute, windowSeconds: 60 }));

  type HtmlView = { title: string; kind: string; [key: string]: unknown };
  const sendHtml = (req: Request, res: Response, doc: object, html: HtmlView) => {
    res.set('Cache-Control', CACHE_CONTROL);
    sendPage(req, res, 'ogc', { ...html, doc, json: JSON.stringify(doc, null, 2), jsonUrl: withFormat(req, 'json') });
  };
  const sendJson = async (req: Request, res: Response, type: string, body: string | Buffer) => {
    res.set('Cache-Control', CACHE_CONTROL);
    res.type(type);
    // A page of 1,000 features is ~700 KB of JSON: gzip's fastest level takes a third of the default
    // level's CPU for a few percent more bytes, and a crawler's pages are where the CPU goes.
    if (body.length > LARGE_BODY && req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      res.vary('Accept-Encoding');
      res.set('Content-Encoding', 'gzip');
      res.send(await gzipAsync(body, { level: constants.Z_BEST_SPEED }));
      return;
    }
    res.send(body);
  };
  const send = async (req: Request, res: Response, format: Format, type: string, doc: object, html: HtmlView) => {
    if (format === 'html') sendHtml(req, res, doc, html);
    else await sendJson(req, res, type, JSON.stringify(doc));
  };

  router.get('/ogc', async (req, res) => {
    const q = parseOgc(ogcPlainQuery, req.query);
    const doc = landingDocument(baseOf(req, publicBaseUrl), localeOf(res));
    await send(req, res, formatOf(req, q.f), 'application/json', doc, { title: doc.title, kind: 'landing', collections: collectionList(baseOf(req, publicBaseUrl), localeOf(res)) });
  });

  router.get('/ogc/conformance', async (req, res) => {
    const q = parseOgc(ogcPlainQuery, req.query);
    const doc = { conformsTo: CONFORMANCE };
    await send(req, res, formatOf(req, q.f), 'application/json', doc, { title: translate(localeOf(res), 'ogc.conformance'), kind: 'conformance' });
  });

  router.get('/ogc/api', async (req, res) => {
    const q = parseOgc(ogcPlainQuery, req.query);
    const doc = ogcOpenApi(baseOf(req, publicBaseUrl));
    // The definition is what OGC clients ask for here whatever their Accept says, unless f=html.
    const format = q.f ?? (req.accepts(['application/json', OPENAPI_30, 'text/html']) === 'text/html' && !req.get('accept')?.includes('openapi') ? 'html' : 'json');
    await send(req, res, format, OPENAPI_30, doc, { title: translate(localeOf(res), 'ogc.api'), kind: 'api' });
  });

  router.get('/ogc/collections', async (req, res) => {
    const q = parseOgc(ogcPlainQuery, req.query);
    const base = baseOf(req, publicBaseUrl);
    const locale = localeOf(res);
    const collections = await Promise.all(COLLECTION_IDS.map(async (id) => collectionDocument(base, id, locale, await extents[id]())));
    const doc = {
      links: [
        { href: `${base}/ogc/collections?f=json`, rel: 'self', type: 'application/json' },
        { href: `${base}/ogc/collections?f=html`, rel: 'alternate', type: 'text/html' },
      ],
      collections,
    };
    await send(req, res, formatOf(req, q.f), 'application/json', doc, { title: translate(locale, 'ogc.collections'), kind: 'collections', collections: collectionList(base, locale) });
  });

  router.get('/ogc/collections/:collectionId', async (req, res) => {
    const id = collectionOf(req.params.collectionId);
    const q = parseOgc(ogcPlainQuery, req.query);
    const doc = collectionDocument(baseOf(req, publicBaseUrl), id, localeOf(res), await extents[id]());
    await send(req, res, formatOf(req, q.f), 'application/json', doc, { title: doc.title, kind: 'collection', itemsUrl: `/ogc/collections/${id}/items?f=html`, filters: COLLECTIONS[id].filters });
  });

  router.get('/ogc/collections/:collectionId/items', async (req, res) => {
    const id = collectionOf(req.params.collectionId);
    const q = parseOgc(ogcItemsQuery, req.query);
    const filters = filtersOf(id, q, provinces);
    const base = baseOf(req, publicBaseUrl);
    const [slice, matched] = await Promise.all([
      withStatementTimeout(db, openData.statementTimeoutMs, (trx) => featurePage(trx, id, filters, { limit: q.limit, after: q.after, before: q.before }, openData.boundaries, base)),
      numberMatched(db, id, filters),
    ]);
    const { firstId: first, lastId: last, more } = slice;
    const query = req.query as Record<string, unknown>;
    const backwards = q.before !== undefined;
    const next = (backwards ? last !== undefined : more) ? itemsUrl(base, id, query, { after: String(last), f: 'json' }) : undefined;
    const prev = (backwards ? more : q.after !== undefined && first !== undefined) ? itemsUrl(base, id, query, { before: String(first), f: 'json' }) : undefined;
    const self = itemsUrl(base, id, query, { after: q.after?.toString(), before: q.before?.toString(), f: 'json' });
    const html = itemsUrl(base, id, query, { after: q.after?.toString(), before: q.before?.toString(), f: 'html' });
    const links = { self, html, next, prev, collection: `${base}/ogc/collections/${id}?f=json` };
    if (formatOf(req, q.f) === 'json') {
      await sendJson(req, res, GEOJSON, itemsJson(slice, matched, links));
      return;
    }
    const doc = itemsDocument(slice, matched, links);
    sendHtml(req, res, doc, {
      title: COLLECTIONS[id].title[localeOf(res)],
      kind: 'items',
      collectionUrl: `/ogc/collections/${id}`,
      rows: doc.features.map((f) => ({ id: f.id, url: `/ogc/collections/${id}/items/${f.id}`, page: typeof f.properties.url === 'string' ? f.properties.url : null, name: f.properties.name ?? ([f.properties.martyr_names ?? f.properties.known_name ?? translate(localeOf(res), `page.state.${String(f.properties.state)}`), [f.properties.row, f.properties.plot_number].filter(Boolean).join('/'), f.properties.cemetery_name].filter(Boolean).join(' · ')) })),
      nextHtml: next?.replace(/f=json/, 'f=html'),
      prevHtml: prev?.replace(/f=json/, 'f=html'),
    });
  });

  router.get('/ogc/collections/:collectionId/items/:featureId', async (req, res) => {
    const id = collectionOf(req.params.collectionId);
    const q = parseOgc(ogcItemQuery, req.query);
    const fid = /^[1-9]\d{0,15}$/.test(req.params.featureId) ? Number(req.params.featureId) : undefined;
    const row = fid === undefined ? undefined : await withStatementTimeout(db, openData.statementTimeoutMs, (trx) => featureById(trx, id, fid, openData.boundaries, baseOf(req, publicBaseUrl), { boundary: q.boundary }));
    if (!row) throw new OgcNotFound(`There is no feature ${req.params.featureId} in ${id}.`);
    const doc = itemDocument(baseOf(req, publicBaseUrl), id, row);
    await send(req, res, formatOf(req, q.f), GEOJSON, doc, { title: `${COLLECTIONS[id].title[localeOf(res)]} · ${row.id}`, kind: 'item', collectionUrl: `/ogc/collections/${id}`, properties: Object.entries(doc.properties).map(([key, value]) => ({ key, value })) });
  });

  router.use('/ogc', (req) => {
    throw new OgcNotFound(`Nothing at ${req.path === '/' ? '/ogc' : `/ogc${req.path}`}.`);
  });
  router.use('/ogc', ogcErrorHandler);
  return router;
}

function collectionOf(value: string): CollectionId {
  if (!isCollectionId(value)) throw new OgcNotFound(`There is no collection "${value}"; the collections are ${COLLECTION_IDS.join(', ')}.`);
  return value;
}

function collectionList(base: string, locale: 'vi' | 'en') {
  return COLLECTION_IDS.map((id) => ({ id, title: COLLECTIONS[id].title[locale], description: COLLECTIONS[id].description[locale], url: `/ogc/collections/${id}`, itemsUrl: `/ogc/collections/${id}/items?f=html`, geojson: `${base}/ogc/collections/${id}/items?f=json` }));
}

function withFormat(req: Request, f: Format): string {
  const url = new URL(req.originalUrl, 'http://local');
  url.searchParams.set('f', f);
  return `${url.pathname}${url.search}`;
}

/** The clean filters of an items request; one that this collection has no such property for is a 400. */
function filtersOf(id: CollectionId, q: OgcItemsQuery, provinces: ProvinceCatalogue): FeatureFilters {
  const allowed = COLLECTIONS[id].filters;
  const given = (['cemetery', 'province', 'state', 'deathYear', 'boundary'] as const).filter((k) => q[k] !== undefined);
  const refused = given.filter((k) => !allowed.includes(k));
  if (refused.length) throw new OgcParamError(refused.map((k) => ({ parameter: k, message: `the ${id} collection cannot be filtered by ${k}` })));
  let provinceCode: string | undefined;
  if (q.province !== undefined) {
    const ref = provinces.resolve(q.province);
    if (ref?.scope !== 'current') throw new OgcParamError([{ parameter: 'province', message: `"${q.province}" is not a current province code or slug (e.g. 42 or ha-tinh)` }]);
    provinceCode = ref.code;
  }
  return { bbox: q.bbox, cemeteryId: q.cemetery, provinceCode, state: q.state, deathYear: q.deathYear, boundary: q.boundary };
}

/** OGC exceptions: 400 InvalidParameterValue, 404 NotFound, 429, 503 when busy; HTML for browsers. */
const ogcErrorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const busy = isDatabaseBusy(error);
  const [status, code, description] =
    error instanceof OgcParamError ? [400, 'InvalidParameterValue', error.message]
    : error instanceof OgcNotFound ? [404, 'NotFound', error.message]
    : error instanceof RateLimited ? [429, 'TooManyRequests', 'Too many requests from this address; wait as Retry-After says.']
    : busy ? [503, 'ServiceUnavailable', 'The database is busy; try again shortly.']
    : [500, 'ServerError', 'An internal error occurred. Please try again later.'];
  if (status === 500) req.log?.error({ err: error }, 'unhandled error');
  const retryAfter = busy ? BUSY_RETRY_AFTER_SECONDS : retryAfterOf(error);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  // A format that is not one (f=xml) is answered in JSON, the format every client reads.
  const f = req.query.f === undefined ? undefined : formatParam.safeParse(req.query.f);
  if (f?.success !== false && formatOf(req, f?.data) === 'html') {
    const title = translate(localeOf(res), status === 404 ? 'error.404.title' : status === 400 ? 'error.400.title' : 'error.generic.title');
    sendPage(req, res, 'error', { title, heading: title, message: description }, status);
    return;
  }
  res.status(status).type('application/json').send(JSON.stringify(exceptionDocument(code, description)));
};
