/**
 * OGC API - Features query parameters → one clean typed object. What the standard fixes is kept:
 * `limit` 0, negative or not a number is a 400, above the maximum it is served as the maximum;
 * `bbox` is CRS84 (Part 2 is not implemented, so any other `crs`/`bbox-crs` is a 400); an unknown
 * parameter is a 400 (/req/core/query-param-unknown).
 */
import { z } from 'zod';

export const OGC_DEFAULT_LIMIT = 100;
export const OGC_MAX_LIMIT = 10_000;
export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

/** A problem with one parameter, as the exception's description lists it. */
export type ParamProblem = { parameter: string; message: string };

export class OgcParamError extends Error {
  constructor(readonly problems: ParamProblem[]) {
    super(problems.map((p) => `${p.parameter}: ${p.message}`).join('; '));
    this.name = 'OgcParamError';
  }
}

const limit = z
  .string()
  .regex(/^\s*-?\d+\s*$/, 'must be a whole number from 1 to 10000')
  .transform(Number)
  .refine((n) => n >= 1, 'must be 1 or more')
  // Above the maximum the standard serves the maximum rather than refusing (/req/core/fc-limit-response-1).
  .transform((n) => Math.min(n, OGC_MAX_LIMIT));

const coordinate = (min: number, max: number, what: string) => z.number().min(min, `${what} must be ≥ ${min}`).max(max, `${what} must be ≤ ${max}`);

export const bboxParam = z
  .string()
  .transform((value, ctx) => {
    const parts = value.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
    if ((parts.length !== 4 && parts.length !== 6) || parts.some((p) => !Number.isFinite(p))) {
      ctx.addIssue({ code: 'custom', message: 'must be four numbers: minLon,minLat,maxLon,maxLat (CRS84)' });
      return z.NEVER;
    }
    // Six numbers carry heights, which these 2D collections do not have: the box is the same.
    return (parts.length === 6 ? [parts[0], parts[1], parts[3], parts[4]] : parts) as [number, number, number, number];
  })
  .pipe(
    z
      .tuple([coordinate(-180, 180, 'minLon'), coordinate(-90, 90, 'minLat'), coordinate(-180, 180, 'maxLon'), coordinate(-90, 90, 'maxLat')])
      .refine(([, minLat, , maxLat]) => minLat <= maxLat, 'minLat must not be above maxLat')
      .refine(([minLng, , maxLng]) => minLng <= maxLng, 'a box across the antimeridian (minLon > maxLon) is not supported; Vietnam lies well inside one side')
      .transform(([minLng, minLat, maxLng, maxLat]) => ({ minLng, minLat, maxLng, maxLat })),
  );

const crsParam = z.string().refine((v) => v === CRS84, `only ${CRS84} is supported (OGC API - Features Part 2 is not implemented)`);

const keyset = z.string().regex(/^[1-9]\d{0,15}$/, 'must be the id a next or prev link gave').transform(Number);

export const formatParam = z.enum(['json', 'html'], { message: 'must be json or html' });

const common = {
  f: formatParam.optional(),
  lang: z.enum(['vi', 'en']).optional(),
};

export const ogcPlainQuery = z.object(common).strict();

const booleanFlag = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

export const ogcItemsQuery = z
  .object({
    ...common,
    limit: limit.default(OGC_DEFAULT_LIMIT),
    bbox: bboxParam.optional(),
    'bbox-crs': crsParam.optional(),
    crs: crsParam.optional(),
    after: keyset.optional(),
    before: keyset.optional(),
    cemetery: z.string().regex(/^[1-9]\d{0,15}$/, 'must be a cemetery id').transform(Number).optional(),
    province: z.string().trim().min(1).max(60).optional(),
    state: z.enum(['identified', 'partial', 'unknown'], { message: 'must be identified, partial or unknown' }).optional(),
    deathYear: z.string().regex(/^\d{4}$/, 'must be a year such as 1968').transform(Number).refine((y) => y >= 1800 && y <= 2100, 'must lie between 1800 and 2100').optional(),
    boundary: booleanFlag.optional(),
  })
  .strict()
  .refine((q) => q.after === undefined || q.before === undefined, { message: 'after and before cannot be given together', path: ['before'] });

export type OgcItemsQuery = z.output<typeof ogcItemsQuery>;

export const ogcItemQuery = z.object({ ...common, crs: crsParam.optional(), boundary: booleanFlag.optional() }).strict();

/** Parses with a schema; every problem becomes one OgcParamError listing them all. */
export function parseOgc<T extends z.ZodType>(schema: T, params: unknown): z.output<T> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const given = (params ?? {}) as Record<PropertyKey, unknown>;
  throw new OgcParamError(
    parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return { parameter: issue.keys.join(', '), message: 'unknown parameter' };
      if (issue.code === 'invalid_type' && issue.path.length === 1 && Array.isArray(given[issue.path[0]!])) return { parameter: String(issue.path[0]), message: 'given more than once' };
      return { parameter: String(issue.path[0] ?? ''), message: issue.message };
    }),
  );
}
