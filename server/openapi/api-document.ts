/**
 * The OpenAPI 3.1 document of /api, generated from zod schemas: the query schemas are the ones the
 * routes parse with (imported, not copied), the response schemas describe what they answer (and a
 * test checks each route's answer against them). A route under /api that is not registered here
 * fails test/integration/openapi.test.ts, which walks the app's router.
 *
 * To register a route: add an entry to API_ROUTES with its method, path ({id} for :id), summary,
 * query schema (the one the route parses with) and response schema.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { cemeteryListQuery } from '../cemeteries/cemeteries.routes.js';
import { graveListQuery } from '../graves/graves.routes.js';
import { recordIdParam } from '../http/paging.schema.js';
import { martyrListQuery, recordQuery } from '../martyrs/martyrs.routes.js';
import { changesQuerySchema } from '../opendata/changes.schema.js';
import { searchSchema, suggestSchema } from '../search/search.schema.js';

const nullableString = z.string().nullable();
const latLng = z.object({ lat: z.number(), lng: z.number() });
const partialDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/).nullable().meta({ description: 'A partial date: 1948, 1948-05 or 1948-05-12' });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), requestId: z.string().optional() }) })
  .meta({ id: 'Error', description: 'Every failure: a stable code and a message in the page language' });

export const martyrSchema = z
  .object({
    id: z.number().int(),
    fullName: z.string(),
    aliases: z.array(z.string()),
    gender: z.enum(['male', 'female']).nullable(),
    birthDate: partialDate,
    deathDate: partialDate,
    hometown: nullableString,
    hometownPlace: z.object({
      commune: z.object({ code: z.string(), name: nullableString }).nullable(),
      province: z.object({ code: z.string(), name: nullableString }).nullable(),
      before2025: z.object({ commune: nullableString, district: nullableString, province: nullableString }),
    }),
    placeOfDeath: nullableString,
    unit: nullableString,
    rank: nullableString,
    position: nullableString,
    certificate: z.object({ date: nullableString }).nullable(),
    grave: z
      .object({
        id: z.number().int(),
        url: z.string(),
        plot: nullableString,
        section: nullableString,
        row: nullableString,
        number: nullableString,
        cemetery: z.object({ id: z.number().int(), name: nullableString, url: z.string() }).nullable(),
        location: latLng.nullable(),
        photo: z.object({ url: nullableString, thumbUrl: nullableString, fullUrl: nullableString }).nullable(),
      })
      .nullable(),
    source: z.string(),
    updatedAt: z.union([z.string(), z.date()]),
    url: z.string(),
  })
  .meta({ id: 'Martyr', description: 'A public martyr record' });

export const graveSchema = z
  .object({
    id: z.number().int(),
    state: z.enum(['identified', 'partial', 'unknown']),
    isCollective: z.boolean(),
    inscription: nullableString,
    known: z.object({ name: nullableString, unit: nullableString, hometown: nullableString, placeOfDeath: nullableString, deathDate: partialDate }).nullable(),
    plot: nullableString,
    section: nullableString,
    row: nullableString,
    number: nullableString,
    cemetery: z.object({ id: z.number().int(), name: z.string(), url: z.string(), province: z.object({ code: z.string(), name: z.string() }) }),
    location: latLng.nullable(),
    photo: z.object({ url: nullableString, thumbUrl: nullableString, fullUrl: nullableString, takenAt: z.union([z.string(), z.date()]).nullable() }).nullable(),
    martyrs: z.array(z.object({ id: z.number().int(), fullName: z.string(), birthYear: z.number().nullable(), deathYear: z.number().nullable(), url: z.string() })),
    updatedAt: z.union([z.string(), z.date()]),
    url: z.string(),
  })
  .meta({ id: 'Grave', description: 'A grave as the public sees it (the headstone withheld where a confidential martyr lies)' });

export const cemeterySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    level: z.enum(['national', 'province', 'district', 'commune']),
    address: nullableString,
    description: nullableString,
    province: z.object({ code: z.string(), name: z.string() }),
    provinceBefore2025: nullableString,
    location: latLng,
    locationPrecision: z.string(),
    visit: z.object({ boardPhone: nullableString, openingHours: nullableString, gate: latLng.nullable() }),
    boundary: z.unknown().optional(),
    graves: z.object({ total: z.number().int(), identified: z.number().int(), partial: z.number().int(), unknown: z.number().int() }),
    url: z.string(),
  })
  .meta({ id: 'Cemetery', description: "A martyrs' cemetery" });

const listOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      total: z.number().int().meta({ description: 'Counted at most once a minute' }),
      page: z.number().int().nullable(),
      perPage: z.number().int(),
      next: z.string().nullable().meta({ description: 'Pass as cursor= for the next page; null on the last' }),
      items: z.array(item),
    })
    .meta({ id });

const hitSchema = z
  .object({
    kind: z.enum(['martyr', 'grave']),
    id: z.number().int(),
    fullName: nullableString,
    knownName: nullableString,
    aliases: z.array(z.string()),
    birthDate: partialDate,
    deathDate: partialDate,
    hometown: nullableString,
    hometownProvince: nullableString,
    unit: nullableString,
    placeOfDeath: nullableString,
    graveId: z.number().int().nullable(),
    graveState: nullableString,
    cemetery: z.object({ id: z.number().int(), name: z.string(), url: z.string() }).nullable(),
    plot: nullableString,
    location: latLng.nullable(),
    photoUrl: nullableString,
    thumbUrl: nullableString,
    url: z.string(),
    highlights: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    distanceMeters: z.number().optional(),
  })
  .meta({ id: 'SearchHit' });

const countOf = z.object({ true: z.number().int(), false: z.number().int() });
export const searchResponseSchema = z
  .object({
    query: z.string(),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
    degraded: z.boolean().meta({ description: 'True when the search engine did not answer and PostgreSQL did' }),
    tookMs: z.number(),
    facets: z.object({
      province: z.array(z.object({ code: z.string(), name: z.string(), count: z.number().int() })),
      kind: z.object({ martyr: z.number().int(), grave: z.number().int() }),
      hasPhoto: countOf,
      hasGrave: countOf,
      unit: z.array(z.object({ value: z.string(), count: z.number().int() })),
    }),
    hits: z.array(hitSchema),
  })
  .meta({ id: 'SearchResults' });

export const suggestResponseSchema = z
  .object({
    query: z.string(),
    degraded: z.boolean(),
    suggestions: z.array(z.object({ kind: z.enum(['martyr', 'grave']), id: z.number().int(), label: z.string(), detail: nullableString, url: z.string(), highlight: z.string() })),
  })
  .meta({ id: 'Suggestions' });

export const statsSchema = z.record(z.string(), z.number()).meta({ id: 'Stats', description: 'Public counts (martyrs, graves, cemeteries, photos...), at most a minute old' });

export const changesResponseSchema = z
  .object({
    since: z.string(),
    next: z.string().meta({ description: 'Pass as since= on the next poll' }),
    more: z.boolean().meta({ description: 'True when more changes are ready now: poll again at once' }),
    changes: z.array(
      z.object({
        cursor: z.string(),
        type: z.enum(['martyr', 'grave', 'cemetery']),
        id: z.number().int(),
        change: z.enum(['upsert', 'remove']),
        at: z.string(),
        record: z.unknown().meta({ description: 'The public record now (a Martyr, or a GeoJSON Feature as /ogc serves it); null for a removal' }),
      }),
    ),
  })
  .meta({ id: 'Changes' });

type ApiRoute = {
  method: 'get';
  path: string;
  summary: string;
  description?: string;
  query?: z.ZodObject;
  params?: z.ZodObject;
  response: z.ZodType;
  /** Statuses besides 200 and 400 it answers. */
  notFound?: boolean;
  /** 410: what was asked for is no longer kept (a change-feed cursor older than the log). */
  gone?: string;
};

const idParams = z.object({ id: recordIdParam.meta({ description: 'The record id (a slug may follow: 123-nguyen-van-thanh)' }) });

export const API_ROUTES: ApiRoute[] = [
  { method: 'get', path: '/api/search', summary: 'Search martyrs and graves', description: 'Name without diacritics, misspelled or in part; narrow by province, years, unit, cemetery, a box or a point.', query: searchSchema, response: searchResponseSchema },
  { method: 'get', path: '/api/suggest', summary: 'As-you-type name suggestions', query: suggestSchema, response: suggestResponseSchema },
  { method: 'get', path: '/api/stats', summary: 'Public counts', response: statsSchema },
  { method: 'get', path: '/api/martyrs', summary: 'Public martyr records, by id', query: martyrListQuery, response: listOf(martyrSchema, 'MartyrList') },
  { method: 'get', path: '/api/martyrs/{id}', summary: 'One public martyr record', params: idParams, query: recordQuery, response: martyrSchema, notFound: true },
  { method: 'get', path: '/api/graves', summary: 'Graves, by id', query: graveListQuery, response: listOf(graveSchema, 'GraveList') },
  { method: 'get', path: '/api/graves/{id}', summary: 'One grave with its public martyrs', params: idParams, query: recordQuery, response: graveSchema, notFound: true },
  { method: 'get', path: '/api/cemeteries', summary: 'Cemeteries, by province, level and name', query: cemeteryListQuery, response: listOf(cemeterySchema, 'CemeteryList') },
  { method: 'get', path: '/api/cemeteries/{id}', summary: 'One cemetery with its boundary', params: idParams, query: recordQuery, response: cemeterySchema, notFound: true },
  {
    method: 'get',
    path: '/api/changes',
    summary: 'The public change feed',
    description: 'Public creations, changes and removals in commit-safe order. Poll with since=<next>; nothing is skipped or repeated. A record that turns confidential or is deleted comes as a removal.',
    query: changesQuerySchema,
    response: changesResponseSchema,
    gone: 'cursor_expired: the cursor is older than the log keeps (CHANGE_FEED_RETENTION_DAYS); start again from a national download\'s feedCursor',
  },
];

export function apiDocument(base: string, licence: { name: string; url: string }) {
  const registry = new OpenAPIRegistry();
  const error = { description: 'The error', content: { 'application/json': { schema: errorSchema } } };
  for (const route of API_ROUTES) {
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      request: { ...(route.query ? { query: route.query } : {}), ...(route.params ? { params: route.params } : {}) },
      responses: {
        200: { description: 'The answer', content: { 'application/json': { schema: route.response } } },
        400: { ...error, description: 'A parameter is wrong: details.problems names each' },
        ...(route.notFound ? { 404: { ...error, description: 'No such public record' } } : {}),
        ...(route.gone ? { 410: { ...error, description: route.gone } } : {}),
        503: { ...error, description: 'Busy: retry after Retry-After seconds' },
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: "Martyrs' graves portal: public JSON API",
      version: '1.0.0',
      description: 'The public records of martyrs, graves and cemeteries, and the change feed. Only what the public pages show. OGC API - Features lives at /ogc; bulk downloads at /du-lieu-mo.',
      license: { name: licence.name, url: licence.url },
    },
    servers: [{ url: base }],
  });
}
