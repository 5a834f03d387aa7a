/**
 * /api/search and /api/suggest parameters → a clean, typed request. Unknown parameters and
 * malformed values are errors (400 with what was wrong); nothing else reaches the search service.
 */
import { z } from 'zod';

export const MAX_QUERY_LENGTH = 200;
export const MAX_PER_PAGE = 100;

const YEAR_MIN = 1800;
const YEAR_MAX = 2100;

const yearRange = z
  .string()
  .trim()
  .regex(/^\d{4}(-\d{4})?$/, 'must be a year (1948) or a range of years (1940-1950)')
  .transform((value, ctx) => {
    const [from, to = from] = value.split('-').map(Number) as [number, number?];
    if (from < YEAR_MIN || (to as number) > YEAR_MAX) ctx.addIssue({ code: 'custom', message: `years must lie between ${YEAR_MIN} and ${YEAR_MAX}` });
    if (from > (to as number)) ctx.addIssue({ code: 'custom', message: `the range runs backwards (${from} > ${to})` });
    return { from, to: to as number };
  });

const coordinate = (min: number, max: number, what: string) => z.number().min(min, `${what} must be ≥ ${min}`).max(max, `${what} must be ≤ ${max}`);

const bbox = z
  .string()
  .transform((value, ctx) => {
    const parts = value.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) {
      ctx.addIssue({ code: 'custom', message: 'must be four numbers: minLng,minLat,maxLng,maxLat' });
      return z.NEVER;
    }
    return parts as [number, number, number, number];
  })
  .pipe(
    z
      .tuple([coordinate(-180, 180, 'minLng'), coordinate(-90, 90, 'minLat'), coordinate(-180, 180, 'maxLng'), coordinate(-90, 90, 'maxLat')])
      .refine(([minLng, minLat, maxLng, maxLat]) => minLng < maxLng && minLat < maxLat, 'min must be below max (minLng,minLat,maxLng,maxLat)')
      .transform(([minLng, minLat, maxLng, maxLat]) => ({ minLng, minLat, maxLng, maxLat })),
  );

const near = z
  .string()
  .transform((value, ctx) => {
    const parts = value.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p))) {
      ctx.addIssue({ code: 'custom', message: 'must be two numbers: lat,lng' });
      return z.NEVER;
    }
    return parts as [number, number];
  })
  .pipe(z.tuple([coordinate(-90, 90, 'lat'), coordinate(-180, 180, 'lng')]).transform(([lat, lng]) => ({ lat, lng })));

const booleanFlag = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

const queryText = z
  .string()
  .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
  .transform((v) => v.normalize('NFC').replace(/\s+/g, ' ').trim());

export const searchSchema = z
  .object({
    q: queryText.default(''),
    province: z.string().trim().min(1).max(60).optional(),
    /** The hometown's province only (today's, a code such as 42 or a name): what the namesake facet narrows by. */
    hometown: z.string().trim().min(1).max(60).optional(),
    cemetery: z.coerce.number({ message: 'must be a cemetery id' }).int().positive().optional(),
    birthYear: yearRange.optional(),
    deathYear: yearRange.optional(),
    unit: z.string().trim().min(1).max(100).optional(),
    kind: z.enum(['martyr', 'grave']).optional(),
    hasPhoto: booleanFlag.optional(),
    hasGrave: booleanFlag.optional(),
    bbox: bbox.optional(),
    near: near.optional(),
    /** Facet counts cost more than the search itself on a large index: computed when asked for. */
    facets: booleanFlag.default(false),
    page: z.coerce.number({ message: 'must be a page number' }).int('must be a whole number').min(1, 'must be 1 or more').max(1000).default(1),
    perPage: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1, 'must be 1 or more').max(MAX_PER_PAGE, `must be at most ${MAX_PER_PAGE}`).default(20),
    lang: z.enum(['vi', 'en']).optional(),
  })
  .strict();

export type SearchRequest = z.output<typeof searchSchema>;

export const suggestSchema = z
  .object({
    q: queryText,
    lang: z.enum(['vi', 'en']).optional(),
  })
  .strict();

export type SuggestRequest = z.output<typeof suggestSchema>;
