/**
 * The one check at the edge for text PostgreSQL would refuse: U+0000 (a text value cannot hold
 * it, so any query carrying one fails with 22021) and addresses that do not decode as UTF-8.
 * Refused here, once, with a 400 in the page's language, so no route, filter or sign-in form has
 * to think about them. Multipart bodies are parsed later, by the routes that take uploads; those
 * call `refuseNulInFields` right after parsing.
 */
import type { Request, RequestHandler, Response } from 'express';
import { translate } from '../i18n/messages.js';
import { AppError } from './errors.js';
import { localeOf } from './locale.js';

/** Bodies are limited to 100 KB and forms to 40 fields, but JSON may nest: stop looking this deep. */
const MAX_DEPTH = 20;

export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v, depth + 1));
}

export function invalidTextError(res: Response): AppError {
  return new AppError(400, 'invalid_text', translate(localeOf(res), 'error.invalidText'));
}

function invalidEncodingError(res: Response): AppError {
  return new AppError(400, 'invalid_encoding', translate(localeOf(res), 'error.invalidEncoding'));
}

/** Each part of a path or query string as the router and query parser will decode it; undefined when one does not decode. */
function decodedParts(raw: string, separators: RegExp): string[] | undefined {
  const parts: string[] = [];
  for (const part of raw.split(separators)) {
    try {
      parts.push(decodeURIComponent(part.replace(/\+/g, ' ')));
    } catch {
      return undefined;
    }
  }
  return parts;
}

/**
 * Must run after the JSON and form parsers (it reads their bodies) and the locale step (its
 * answer is in the page's language), and before anything reads the database.
 */
export const refuseBadText: RequestHandler = (req, res, next) => {
  const url = req.originalUrl;
  const queryAt = url.indexOf('?');
  const pathPart = queryAt < 0 ? url : url.slice(0, queryAt);
  const queryPart = queryAt < 0 ? '' : url.slice(queryAt + 1);
  // Route parameters are decoded from the path: checking every segment covers all of them.
  const pathParts = decodedParts(pathPart, /\//);
  const queryParts = decodedParts(queryPart, /[&=]/);
  if (!pathParts || !queryParts) return next(invalidEncodingError(res));
  if ([...pathParts, ...queryParts].some((p) => p.includes('\0'))) return next(invalidTextError(res));
  if (containsNul(req.body)) return next(invalidTextError(res));
  dropCookiesWithNul(req);
  next();
};

/**
 * A cookie is the browser's, not what a person typed: one that holds U+0000 is treated as absent
 * (refusing it would refuse every request from that browser until the cookie expired).
 */
function dropCookiesWithNul(req: Request): void {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  if (!cookies) return;
  for (const [name, value] of Object.entries(cookies)) if (name.includes('\0') || containsNul(value)) delete cookies[name];
}

/** For routes that parse multipart bodies themselves: the same refusal, for the fields and file names just parsed. */
export function refuseNulInFields(req: Request, res: Response): AppError | undefined {
  const files = (Array.isArray(req.files) ? req.files : req.file ? [req.file] : []) as Array<{ originalname?: string; fieldname?: string }>;
  if (containsNul(req.body) || files.some((f) => containsNul(f.originalname) || containsNul(f.fieldname))) return invalidTextError(res);
  return undefined;
}

/** What a multipart parser's own failure (a truncated body, a missing boundary, a broken part header) is for the sender. */
export function invalidMultipartError(res: Response): AppError {
  return new AppError(400, 'invalid_multipart', translate(localeOf(res), 'error.invalidMultipart'));
}
