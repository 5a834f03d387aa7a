/**
 * The JSON documents of the OGC API - Features endpoint (landing page, conformance, collections,
 * feature collections and features), built from plain values: the routes hand these to the JSON
 * writer or to the HTML template, the same object either way (as pg_featureserv does).
 */
import type { Locale } from '../i18n/messages.js';
import type { CollectionId, FeatureRow, FeatureSlice } from './ogc.queries.js';
import { CRS84, OGC_MAX_LIMIT } from './ogc.params.js';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
];

export const GEOJSON = 'application/geo+json';
export const OPENAPI_30 = 'application/vnd.oai.openapi+json;version=3.0';

export type Link = { href: string; rel: string; type?: string; title?: string };

type CollectionInfo = {
  title: Record<Locale, string>;
  description: Record<Locale, string>;
  /** Property filters the items accept beyond bbox and limit. */
  filters: string[];
};

export const COLLECTIONS: Record<CollectionId, CollectionInfo> = {
  cemeteries: {
    title: { vi: 'Nghĩa trang liệt sĩ', en: "Martyrs' cemeteries" },
    description: {
      vi: 'Nghĩa trang liệt sĩ cấp quốc gia, tỉnh, huyện và xã: vị trí (điểm; ranh giới khi hỏi boundary=true), cấp, địa chỉ, tỉnh.',
      en: "National, province, district and commune martyrs' cemeteries: position (a point; the boundary with boundary=true), level, address, province.",
    },
    filters: ['province', 'boundary'],
  },
  graves: {
    title: { vi: 'Mộ liệt sĩ', en: "Martyrs' graves" },
    description: {
      vi: 'Phần mộ liệt sĩ công khai: vị trí, lô/hàng/mộ số, tình trạng, nghĩa trang, họ tên và năm hy sinh của các liệt sĩ công khai an táng tại đó, đường dẫn trang.',
      en: "Public martyrs' graves: position, plot, state, cemetery, the names and death years of the public martyrs buried there, page links.",
    },
    filters: ['cemetery', 'province', 'state', 'deathYear'],
  },
  provinces: {
    title: { vi: 'Tỉnh, thành phố (34, từ 1/7/2025)', en: 'Provinces (the 34 since 1 July 2025)' },
    description: {
      vi: 'Tên và mã của 34 tỉnh, thành phố hiện nay; hình học là một điểm bên trong tỉnh cho đến khi giấy phép của ranh giới được làm rõ.',
      en: 'Names and codes of the 34 current provinces; the geometry is a point inside each until the licence of the boundaries is cleared.',
    },
    filters: [],
  },
  'provinces-2008-2025': {
    title: { vi: 'Tỉnh, thành phố 2008-2025 (63)', en: 'Provinces of 2008-2025 (63)' },
    description: {
      vi: '63 tỉnh, thành phố trước ngày 1/7/2025 và tỉnh hiện nay mà mỗi tỉnh nhập vào; hình học là một điểm bên trong tỉnh.',
      en: 'The 63 provinces before 1 July 2025 and the current province each became part of; the geometry is a point inside each.',
    },
    filters: [],
  },
};

export const COLLECTION_IDS = Object.keys(COLLECTIONS) as CollectionId[];

export function isCollectionId(value: string): value is CollectionId {
  return Object.hasOwn(COLLECTIONS, value);
}

export function landingDocument(base: string, locale: Locale) {
  return {
    title: locale === 'vi' ? 'Dữ liệu mở mộ liệt sĩ: OGC API - Features' : "Open data on martyrs' graves: OGC API - Features",
    description:
      locale === 'vi'
        ? 'Nghĩa trang, mộ liệt sĩ công khai và đơn vị hành chính, theo chuẩn OGC API - Features (Part 1: Core). Đọc được bằng QGIS và GDAL.'
        : "Cemeteries, public martyrs' graves and administrative units, by OGC API - Features (Part 1: Core). QGIS and GDAL read it.",
    links: [
      { href: `${base}/ogc?f=json`, rel: 'self', type: 'application/json', title: 'This document' },
      { href: `${base}/ogc?f=html`, rel: 'alternate', type: 'text/html', title: 'This document as HTML' },
      { href: `${base}/ogc/api`, rel: 'service-desc', type: OPENAPI_30, title: 'The API definition (OpenAPI 3.0)' },
      { href: `${base}/ogc/api?f=html`, rel: 'service-doc', type: 'text/html', title: 'The API documentation' },
      { href: `${base}/ogc/conformance`, rel: 'conformance', type: 'application/json', title: 'Conformance classes' },
      { href: `${base}/ogc/collections`, rel: 'data', type: 'application/json', title: 'Collections' },
      { href: `${base}/du-lieu-mo`, rel: 'describedby', type: 'text/html', title: 'Downloads, data dictionary and licence' },
    ] satisfies Link[],
  };
}

export function collectionDocument(base: string, id: CollectionId, locale: Locale, extent: [number, number, number, number] | undefined) {
  const info = COLLECTIONS[id];
  const at = `${base}/ogc/collections/${id}`;
  return {
    id,
    title: info.title[locale],
    description: info.description[locale],
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
    ...(extent ? { extent: { spatial: { bbox: [extent], crs: CRS84 } } } : {}),
    links: [
      { href: `${at}?f=json`, rel: 'self', type: 'application/json', title: info.title[locale] },
      { href: `${at}?f=html`, rel: 'alternate', type: 'text/html', title: info.title[locale] },
      { href: `${at}/items?f=json`, rel: 'items', type: GEOJSON, title: info.title[locale] },
      { href: `${at}/items?f=html`, rel: 'items', type: 'text/html', title: info.title[locale] },
      { href: `${base}/du-lieu-mo`, rel: 'license', type: 'text/html', title: 'Licence and downloads' },
    ] satisfies Link[],
  };
}

export type FeatureValue = { type: 'Feature'; id: number; geometry: unknown; properties: Record<string, unknown> };

/** The same feature as a value: for the HTML pages, one feature with its links, and the change feed. */
export function featureDocument(row: FeatureRow): FeatureValue {
  return JSON.parse(row.json) as FeatureValue;
}

export function itemDocument(base: string, id: CollectionId, row: FeatureRow) {
  const at = `${base}/ogc/collections/${id}`;
  return {
    ...featureDocument(row),
    links: [
      { href: `${at}/items/${row.id}?f=json`, rel: 'self', type: GEOJSON },
      { href: `${at}/items/${row.id}?f=html`, rel: 'alternate', type: 'text/html' },
      { href: `${at}?f=json`, rel: 'collection', type: 'application/json' },
    ] satisfies Link[],
  };
}

export type ItemsLinks = { self: string; html: string; next?: string; prev?: string; collection: string };

/** No timeStamp: the page's ETag must stay the same while its data does (a crawler's revalidation is a 304). */
function itemsHead(slice: FeatureSlice, matched: number, links: ItemsLinks) {
  return {
    type: 'FeatureCollection' as const,
    numberMatched: matched,
    numberReturned: slice.count,
    links: [
      { href: links.self, rel: 'self', type: GEOJSON, title: 'This page' },
      { href: links.html, rel: 'alternate', type: 'text/html', title: 'This page as HTML' },
      ...(links.next ? [{ href: links.next, rel: 'next', type: GEOJSON, title: 'Next page' }] : []),
      ...(links.prev ? [{ href: links.prev, rel: 'prev', type: GEOJSON, title: 'Previous page' }] : []),
      { href: links.collection, rel: 'collection', type: 'application/json', title: 'The collection' },
    ] satisfies Link[],
  };
}

/** A page of features as a value, for its HTML page. */
export function itemsDocument(slice: FeatureSlice, matched: number, links: ItemsLinks) {
  return { ...itemsHead(slice, matched, links), features: JSON.parse(`[${slice.features}]`) as FeatureValue[] };
}

/**
 * The same page as the bytes of its GeoJSON, what JSON.stringify(itemsDocument(...)) writes, with
 * the features' text as PostgreSQL wrote it: encoded once, never parsed, joined or flattened here.
 */
export function itemsJson(slice: FeatureSlice, matched: number, links: ItemsLinks): Buffer {
  const head = JSON.stringify(itemsHead(slice, matched, links));
  return Buffer.concat([Buffer.from(`${head.slice(0, -1)},"features":[`), Buffer.from(slice.features), Buffer.from(']}')]);
}

/** The OGC exception document (OGC API - Features Part 1, exception.yaml): a code and a description. */
export function exceptionDocument(code: string, description: string) {
  return { code, description };
}

/**
 * The endpoint's OpenAPI 3.0 definition: what OGC clients read to learn the paths, and the limit
 * parameter's maximum (GDAL pages with it).
 */
export function ogcOpenApi(base: string) {
  const f = { name: 'f', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'html'] }, description: 'The format: json (GeoJSON/JSON) or html. Without it, the Accept header decides.' };
  const exception = { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/exception' } } } };
  const collectionIdParam = { name: 'collectionId', in: 'path', required: true, schema: { type: 'string', enum: COLLECTION_IDS } };
  const json = (ref: string, type = 'application/json') => ({ [type]: { schema: { $ref: `#/components/schemas/${ref}` } }, 'text/html': { schema: { type: 'string' } } });
  return {
    openapi: '3.0.3',
    info: {
      title: "Open data on martyrs' graves: OGC API - Features",
      version: '1.0.0',
      description: "Cemeteries, public martyrs' graves and administrative units of Vietnam (CRS84 only; OGC API - Features Part 1: Core).",
      license: { name: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
    },
    servers: [{ url: `${base}/ogc` }],
    paths: {
      '/': { get: { operationId: 'getLandingPage', summary: 'Landing page', parameters: [f], responses: { 200: { description: 'The landing page', content: json('landingPage') }, 400: exception } } },
      '/conformance': { get: { operationId: 'getConformance', summary: 'Conformance classes', parameters: [f], responses: { 200: { description: 'The conformance classes', content: json('confClasses') }, 400: exception } } },
      '/api': { get: { operationId: 'getApi', summary: 'This definition', parameters: [f], responses: { 200: { description: 'The OpenAPI 3.0 definition', content: { [OPENAPI_30]: { schema: { type: 'object' } }, 'text/html': { schema: { type: 'string' } } } } } } },
      '/collections': { get: { operationId: 'getCollections', summary: 'The collections', parameters: [f], responses: { 200: { description: 'The collections', content: json('collections') }, 400: exception } } },
      '/collections/{collectionId}': {
        get: { operationId: 'describeCollection', summary: 'A collection', parameters: [collectionIdParam, f], responses: { 200: { description: 'The collection', content: json('collection') }, 400: exception, 404: exception } },
      },
      '/collections/{collectionId}/items': {
        get: {
          operationId: 'getFeatures',
          summary: 'Features of a collection, a page at a time (follow the next link)',
          parameters: [
            collectionIdParam,
            { name: 'limit', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'integer', minimum: 1, maximum: OGC_MAX_LIMIT, default: 100 } },
            { name: 'bbox', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } }, description: 'minLon,minLat,maxLon,maxLat in CRS84' },
            { name: 'bbox-crs', in: 'query', required: false, schema: { type: 'string', enum: [CRS84] } },
            { name: 'crs', in: 'query', required: false, schema: { type: 'string', enum: [CRS84] } },
            { name: 'after', in: 'query', required: false, schema: { type: 'integer' }, description: 'Set by the next link: the page after this feature id' },
            { name: 'before', in: 'query', required: false, schema: { type: 'integer' }, description: 'Set by the prev link: the page before this feature id' },
            { name: 'cemetery', in: 'query', required: false, schema: { type: 'integer' }, description: 'graves: of this cemetery id' },
            { name: 'province', in: 'query', required: false, schema: { type: 'string' }, description: 'cemeteries, graves: in this current province (code or slug, e.g. 42 or ha-tinh)' },
            { name: 'state', in: 'query', required: false, schema: { type: 'string', enum: ['identified', 'partial', 'unknown'] }, description: 'graves: identified, partial information, or unknown' },
            { name: 'deathYear', in: 'query', required: false, schema: { type: 'integer', minimum: 1800, maximum: 2100 }, description: 'graves: a martyr buried there, or the headstone, gives this year of death' },
            { name: 'boundary', in: 'query', required: false, schema: { type: 'boolean' }, description: 'cemeteries: the boundary as the geometry where one is recorded' },
            f,
          ],
          responses: { 200: { description: 'A page of features', content: json('featureCollection', GEOJSON) }, 400: exception, 404: exception, 429: exception },
        },
      },
      '/collections/{collectionId}/items/{featureId}': {
        get: {
          operationId: 'getFeature',
          summary: 'One feature',
          parameters: [collectionIdParam, { name: 'featureId', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'crs', in: 'query', required: false, schema: { type: 'string', enum: [CRS84] } }, { name: 'boundary', in: 'query', required: false, schema: { type: 'boolean' } }, f],
          responses: { 200: { description: 'The feature', content: json('feature', GEOJSON) }, 400: exception, 404: exception },
        },
      },
    },
    components: {
      schemas: {
        exception: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, description: { type: 'string' } } },
        link: { type: 'object', required: ['href'], properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' } } },
        landingPage: { type: 'object', required: ['links'], properties: { title: { type: 'string' }, description: { type: 'string' }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } } } },
        confClasses: { type: 'object', required: ['conformsTo'], properties: { conformsTo: { type: 'array', items: { type: 'string' } } } },
        collection: {
          type: 'object',
          required: ['id', 'links'],
          properties: { id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, itemType: { type: 'string' }, crs: { type: 'array', items: { type: 'string' } }, extent: { type: 'object' }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } } },
        },
        collections: { type: 'object', required: ['links', 'collections'], properties: { links: { type: 'array', items: { $ref: '#/components/schemas/link' } }, collections: { type: 'array', items: { $ref: '#/components/schemas/collection' } } } },
        feature: { type: 'object', required: ['type', 'geometry', 'properties'], properties: { type: { type: 'string', enum: ['Feature'] }, id: { type: 'integer' }, geometry: { type: 'object', nullable: true }, properties: { type: 'object', nullable: true }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } } } },
        featureCollection: {
          type: 'object',
          required: ['type', 'features'],
          properties: {
            type: { type: 'string', enum: ['FeatureCollection'] },
            features: { type: 'array', items: { $ref: '#/components/schemas/feature' } },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            timeStamp: { type: 'string', format: 'date-time' },
            numberMatched: { type: 'integer', minimum: 0 },
            numberReturned: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  };
}
