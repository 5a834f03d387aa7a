/**
 * Where domain errors (errors.ts) meet HTTP: the status of each class, and the AppError the one
 * error handler renders. Routes that answer a refusal with their own page ask `statusOf` too, so a
 * status is decided here only.
 */
import { translate, type Locale } from '../i18n/messages.js';
import { AppError, Conflict, DomainError, FileRejected, Gone, InvalidInput, NotFound, NotInScope, RateLimited, type FileProblem } from './errors.js';

const FILE_STATUS: Record<FileProblem, number> = { type: 415, size: 413, content: 422, missing: 400 };

export function statusOf(error: DomainError): number {
  if (error instanceof NotFound || error instanceof NotInScope) return 404;
  if (error instanceof Conflict) return 409;
  if (error instanceof Gone) return 410;
  if (error instanceof RateLimited) return 429;
  if (error instanceof InvalidInput) return 400;
  if (error instanceof FileRejected) return FILE_STATUS[error.problem];
  return 400;
}

/** Seconds a client should wait before trying again, when the failure says so. */
export function retryAfterOf(error: unknown): number | undefined {
  const seconds = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined;
}

/** The error as the handler renders it, its message in the page's language when the catalogue has one. */
export function fromDomainError(error: DomainError, locale: Locale): AppError {
  const key = `error.code.${error.code}`;
  const localized = translate(locale, key);
  return new AppError(statusOf(error), error.code, localized === key ? error.message : localized, error.details);
}
