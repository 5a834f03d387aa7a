/** HTTP-side steps of the public pages: request → typed values, and the canonical-URL redirect. */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import type { ViewContext } from './page-view.js';

/** Scheme and host for absolute URLs: the configured public URL, else what the request came to. */
export function viewContext(req: Request, res: Response, publicBaseUrl: string | undefined): ViewContext {
  return { locale: localeOf(res), base: publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}` };
}

/**
 * "123-nguyen-van-thanh" → 123. Anything that is not an id is a page that does not exist (404),
 * not a bad request: people reach these URLs by following links.
 */
export function recordId(ref: string | undefined): number {
  const match = /^(\d{1,15})(?:-.*)?$/s.exec(ref ?? '');
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new NotFoundError();
  return id;
}

/**
 * Sends a 301 to the canonical path (keeping the query string) when the request used another
 * spelling of it: an old or missing slug, a trailing slash. True when it did.
 */
export function redirectToCanonical(req: Request, res: Response, canonicalPath: string): boolean {
  if (req.path === canonicalPath) return false;
  const query = req.originalUrl.indexOf('?');
  res.redirect(301, canonicalPath + (query >= 0 ? req.originalUrl.slice(query) : ''));
  return true;
}

/*
 * Page query strings: only the parameters a page uses are read; others (lang, tracking tags a
 * share added) are ignored rather than refused, since a shared link must keep working.
 */
export const recordPageQuery = z.object({
  print: z.unknown().optional().transform((v) => v === '1' || v === 'true'),
});

export const cemeteryPageQuery = recordPageQuery.extend({
  q: z.string().trim().max(100, 'must be at most 100 characters').optional().transform((q) => q || undefined),
  page: z.coerce.number({ message: 'must be a page number' }).int('must be a whole number').min(1, 'must be 1 or more').max(100_000).default(1),
});

export const listPageQuery = z.object({
  page: z.coerce.number({ message: 'must be a page number' }).int('must be a whole number').min(1, 'must be 1 or more').max(100_000).default(1),
});
