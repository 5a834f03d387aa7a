/**
 * The one place failures become responses: `{ error: { code, message, details? } }` for JSON, an
 * error page for HTML. Unknown errors are logged with their stack and answered with a generic 500;
 * no stack trace or SQL ever reaches a user.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { translate } from '../i18n/messages.js';
import { BUSY_RETRY_AFTER_SECONDS, isDatabaseBusy } from './db-errors.js';
import { fromDomainError, retryAfterOf } from './domain-status.js';
import { AppError, DomainError, NotFoundError } from './errors.js';
import { localeOf } from './locale.js';
import { sendPage, wantsJson } from './render.js';

type HttpishError = { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };

/** Errors raised by Express's own body parsers and friends carry a status and a type. */
function fromHttpError(error: HttpishError): AppError | undefined {
  const status = error.status ?? error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const code =
    error.type === 'entity.parse.failed' ? 'invalid_json'
    : error.type === 'entity.too.large' ? 'payload_too_large'
    : status === 404 ? 'not_found'
    : status === 413 ? 'payload_too_large'
    : status === 415 ? 'unsupported_media_type'
    : 'bad_request';
  const message =
    code === 'invalid_json' ? 'The request body is not valid JSON.'
    : code === 'payload_too_large' ? 'The request body is too large.'
    : error.expose && error.message ? error.message
    : 'The request could not be understood.';
  return new AppError(status, code, message);
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError());
};

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const busy = isDatabaseBusy(error);
  const known =
    error instanceof AppError ? error
    : error instanceof DomainError ? fromDomainError(error, localeOf(res))
    : busy ? new AppError(503, 'busy', translate(localeOf(res), 'error.busy'))
    : fromHttpError(error as HttpishError);
  const appError = known ?? new AppError(500, 'internal_error', 'An internal error occurred. Please try again later.');
  if (!known) req.log?.error({ err: error }, 'unhandled error');
  else if (appError.status >= 500) req.log?.warn({ err: error }, appError.code);

  const requestId = String(req.id ?? '');
  const retryAfter = busy ? BUSY_RETRY_AFTER_SECONDS : retryAfterOf(error);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  if (wantsJson(req)) {
    res.status(appError.status).json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details !== undefined ? { details: appError.details } : {}),
        ...(appError.status >= 500 ? { requestId } : {}),
      },
    });
    return;
  }
  const locale = localeOf(res);
  const key = [400, 404, 500, 503].includes(appError.status) ? String(appError.status) : 'generic';
  const title = translate(locale, `error.${key}.title`);
  const message =
    appError.status === 404 && appError.code === 'not_found' ? translate(locale, 'error.404.message')
    : appError.status >= 500 && !known ? translate(locale, 'error.500.message')
    : appError.message;
  sendPage(req, res, 'error', { title, heading: title, message, requestId: appError.status >= 500 ? requestId : undefined }, appError.status);
};
