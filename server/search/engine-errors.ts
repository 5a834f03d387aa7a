/**
 * Which Meilisearch failures PostgreSQL may answer for: the engine is unreachable (refused, reset,
 * no route), too slow (our timeout, undici's connect/headers/body timeouts) or failing on its own
 * side (a 5xx). Anything else, a 4xx for a query we built wrongly or a bug in our own handling of
 * the answer, is a defect that must surface as a logged 500, not hide behind `degraded: true`.
 * Classified by error class, status and code only.
 */
import { MeilisearchApiError, MeilisearchRequestError, MeilisearchRequestTimeOutError } from 'meilisearch';

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_ABORTED',
]);

function isUnavailableCause(cause: unknown, depth: number): boolean {
  if (cause === undefined || cause === null || depth > 4) return false;
  if (cause instanceof MeilisearchRequestTimeOutError) return true;
  if (cause instanceof MeilisearchApiError) return cause.response.status >= 500;
  // The portal's own timeout aborts undici's request with a symbol as the reason.
  if (typeof cause === 'symbol') return true;
  if (typeof cause !== 'object') return false;
  const { code, name } = cause as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  return isUnavailableCause((cause as { cause?: unknown }).cause, depth + 1);
}

/** True when Meilisearch could not answer at all; false for errors that are ours to fix. */
export function meilisearchUnavailable(error: unknown): boolean {
  if (error instanceof MeilisearchRequestError) return isUnavailableCause(error.cause, 0);
  if (error instanceof MeilisearchApiError) return error.response.status >= 500;
  if (error instanceof MeilisearchRequestTimeOutError) return true;
  return false;
}
