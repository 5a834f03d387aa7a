import { z } from 'zod';
import { translate, type Locale } from '../i18n/messages.js';
import { BadRequestError } from './errors.js';

export const MAX_PAGE_SIZE = 100;

/**
 * Deepest row a page number may reach. OFFSET reads and throws away every row before the page
 * (page 8,000 of 100 took 4 s on a million records); further on, lists page by cursor.
 */
export const MAX_OFFSET_ROWS = 10_000;

/** page/perPage for every paged list; the rest of a list's parameters extend this. */
export const pagingSchema = z.object({
  page: z.coerce.number({ message: 'must be a page number' }).int('must be a whole number').min(1, 'must be 1 or more').max(100_000).default(1),
  perPage: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1, 'must be 1 or more').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).default(20),
  lang: z.enum(['vi', 'en']).optional(),
});

export type Paging = z.output<typeof pagingSchema>;

/** The public lists: a page number for the first pages, or the `next` cursor of the page before. */
export const listPagingSchema = pagingSchema.extend({ cursor: z.string().max(40).optional() });

export type Page<T> = { total: number; page: number; perPage: number; items: T[] };

/** Where one page of a list starts: after a record id (keyset) or at an offset. */
export type ListWindow = { perPage: number; offset: number; afterId: number | undefined };

/** A cursor is opaque to clients: base64url of the last id a page held. */
export function encodeCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('latin1');
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The window a list request asks for; a page too deep, a cursor that is not one, or both at once are a 400. */
export function listWindow(paging: z.output<typeof listPagingSchema>, locale: Locale): ListWindow {
  if (paging.cursor !== undefined) {
    const afterId = decodeCursor(paging.cursor);
    if (afterId === undefined || paging.page !== 1) throw new BadRequestError(`cursor: ${translate(locale, 'error.badCursor')}`, { problems: [{ parameter: 'cursor', message: 'not a cursor of this list' }] });
    return { perPage: paging.perPage, offset: 0, afterId };
  }
  if (paging.page * paging.perPage > MAX_OFFSET_ROWS) {
    throw new BadRequestError(`page: ${translate(locale, 'error.useCursor')}`, { problems: [{ parameter: 'page', message: `page × perPage must be at most ${MAX_OFFSET_ROWS}; use cursor` }] });
  }
  return { perPage: paging.perPage, offset: (paging.page - 1) * paging.perPage, afterId: undefined };
}

/** The answer of a list page: the total (cached), the items, and the cursor of the next page when there is one. */
export function listAnswer<T>(total: number, paging: z.output<typeof listPagingSchema>, window: ListWindow, items: T[], nextAfter: number | undefined) {
  return {
    total,
    page: window.afterId === undefined ? paging.page : null,
    perPage: paging.perPage,
    next: nextAfter === undefined ? null : encodeCursor(nextAfter),
    items,
  };
}

/** A record id in a URL: "123" or "123-nguyen-van-thanh" (the slug is only for people). */
export const recordIdParam = z
  .string()
  .regex(/^\d{1,18}(-[a-z0-9-]*)?$/, 'must be a record id')
  .transform((v) => Number(v.split('-')[0]))
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a record id');
