import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;

/** page/perPage for every paged list; the rest of a list's parameters extend this. */
export const pagingSchema = z.object({
  page: z.coerce.number({ message: 'must be a page number' }).int('must be a whole number').min(1, 'must be 1 or more').max(100_000).default(1),
  perPage: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1, 'must be 1 or more').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).default(20),
  lang: z.enum(['vi', 'en']).optional(),
});

export type Paging = z.output<typeof pagingSchema>;

export type Page<T> = { total: number; page: number; perPage: number; items: T[] };

/** A record id in a URL: "123" or "123-nguyen-van-thanh" (the slug is only for people). */
export const recordIdParam = z
  .string()
  .regex(/^\d{1,18}(-[a-z0-9-]*)?$/, 'must be a record id')
  .transform((v) => Number(v.split('-')[0]))
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a record id');
