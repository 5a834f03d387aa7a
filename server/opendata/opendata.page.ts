/**
 * The open data page (/du-lieu-mo): the national files with their size, row count and date, the
 * per-province files, the data dictionary, the licence, the standard interfaces, and a DCAT
 * catalogue (JSON-LD) describing all of it for data portals. Pure: values in, view model out.
 */
import type { OpenDataConfig } from '../config.js';
import { translate, type Locale } from '../i18n/messages.js';
import { jsonBlock } from '../map/json-block.js';
import type { Province } from '../places/places.queries.js';
import { pageHead, type ViewContext } from '../pages/page-view.js';
import { localDateTime } from '../views/local-time.js';
import { DATASET_IDS, DATASETS, MEDIA_TYPES, NATIONAL_FILES, type DatasetId, type Format } from './datasets.js';
import type { OpenDataFile } from './files.queries.js';

export const OPEN_DATA_PATH = '/du-lieu-mo';

const FORMAT_LABEL: Record<Format, string> = { csv: 'CSV', geojson: 'GeoJSON', geojsonl: 'GeoJSON Lines', gpkg: 'GeoPackage' };

function size(bytes: number, locale: Locale): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: unit ? 1 : 0 })} ${units[unit]}`;
}

/** Per-province files: every format but the GeoPackage (built only nationally, by GDAL). */
export const PROVINCE_FORMATS = (dataset: DatasetId) => DATASETS[dataset].formats.filter((f): f is Exclude<Format, 'gpkg'> => f !== 'gpkg');

export function dictionary() {
  return DATASET_IDS.map((id) => ({
    dataset: id,
    title: DATASETS[id].title,
    description: DATASETS[id].description,
    columns: DATASETS[id].columns.map((c) => ({ name: c.name, type: c.type, vi: c.vi, en: c.en })),
  }));
}

export function openDataView(ctx: ViewContext, files: OpenDataFile[], provinces: Province[], openData: OpenDataConfig) {
  const { locale } = ctx;
  const byName = new Map(files.map((f) => [f.name, f]));
  const builtAt = files.map((f) => f.built_at).sort((a, b) => +b - +a)[0];
  const title = translate(locale, 'opendata.title');
  const description = translate(locale, 'opendata.lead');
  const url = (p: string) => `${ctx.base}${p}`;

  const national = NATIONAL_FILES.map((f) => {
    const built = byName.get(f.name);
    return {
      dataset: DATASETS[f.dataset].title[locale],
      format: FORMAT_LABEL[f.format],
      url: `${OPEN_DATA_PATH}/${f.name}`,
      size: built ? size(Number(built.bytes), locale) : null,
      rows: built ? Number(built.row_count) : null,
      builtAt: built ? localDateTime(built.built_at) : null,
    };
  });

  const dcat = {
    '@context': { '@vocab': 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', foaf: 'http://xmlns.com/foaf/0.1/', schema: 'https://schema.org/' },
    '@type': 'Catalog',
    '@id': url(OPEN_DATA_PATH),
    'dct:title': title,
    'dct:description': description,
    'dct:language': ['vi', 'en'],
    'dct:license': openData.licence.url,
    ...(builtAt ? { 'dct:modified': builtAt.toISOString() } : {}),
    'foaf:homepage': url(OPEN_DATA_PATH),
    service: [
      { '@type': 'DataService', 'dct:title': 'OGC API - Features', endpointURL: url('/ogc'), endpointDescription: url('/ogc/api'), 'dct:conformsTo': 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core' },
      { '@type': 'DataService', 'dct:title': 'JSON API (OpenAPI 3.1)', endpointURL: url('/api'), endpointDescription: url('/api/openapi.json') },
      { '@type': 'DataService', 'dct:title': 'Change feed', endpointURL: url('/api/changes') },
    ],
    dataset: DATASET_IDS.map((id) => {
      const d = DATASETS[id];
      return {
        '@type': 'Dataset',
        '@id': url(`${OPEN_DATA_PATH}#${id}`),
        'dct:title': d.title[locale],
        'dct:description': d.description[locale],
        'dct:license': openData.licence.url,
        'dct:spatial': { '@type': 'dct:Location', 'dct:title': 'Việt Nam', bbox: 'POLYGON((102.1 8.2, 109.5 8.2, 109.5 23.4, 102.1 23.4, 102.1 8.2))' },
        keyword: ['liệt sĩ', 'mộ liệt sĩ', 'nghĩa trang liệt sĩ', 'martyrs', 'graves', 'cemeteries'],
        distribution: d.formats.map((format) => {
          const built = byName.get(`${id}.${format}`);
          return {
            '@type': 'Distribution',
            'dct:title': `${d.title[locale]} (${FORMAT_LABEL[format]})`,
            downloadURL: url(`${OPEN_DATA_PATH}/${id}.${format}`),
            mediaType: MEDIA_TYPES[format].split(';')[0],
            'dct:license': openData.licence.url,
            ...(built ? { byteSize: Number(built.bytes), 'dct:modified': built.built_at.toISOString() } : {}),
          };
        }),
      };
    }),
  };

  return {
    ...pageHead(ctx, { title, description, path: OPEN_DATA_PATH }),
    crumbs: [{ label: title }],
    licence: openData.licence,
    builtAt: builtAt ? localDateTime(builtAt) : null,
    feedCursor: files[0]?.feed_cursor ?? null,
    national,
    provinces: provinces.map((p) => ({
      name: p.name,
      links: DATASET_IDS.flatMap((id) => PROVINCE_FORMATS(id).map((format) => ({ label: `${DATASETS[id].title[locale]} · ${FORMAT_LABEL[format]}`, url: `${OPEN_DATA_PATH}/tinh/${p.slug}/${id}.${format}` }))),
    })),
    dictionary: DATASET_IDS.map((id) => ({
      id,
      title: DATASETS[id].title[locale],
      description: DATASETS[id].description[locale],
      columns: DATASETS[id].columns.map((c) => ({ name: c.name, type: c.type, meaning: c[locale] })),
    })),
    jsonLd: jsonBlock(dcat),
  };
}
