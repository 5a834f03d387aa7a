/**
 * Database failures that mean "busy or briefly unavailable", not "broken": the pool had no free
 * connection in time (knex's KnexTimeoutError), PostgreSQL cancelled a query at statement_timeout
 * (57014), or it refuses connections for now. They are answered 503 with Retry-After, so a client
 * or a load balancer backs off instead of seeing a 500. Classified by class and SQLSTATE only.
 */
import knex from 'knex';

/** How long a client is asked to wait before trying again. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

const BUSY_SQLSTATES = new Set([
  '57014', // query_canceled: statement_timeout
  '53300', // too_many_connections
  '57P03', // cannot_connect_now: starting up or shutting down
]);

export function isDatabaseBusy(error: unknown): boolean {
  if (error instanceof knex.KnexTimeoutError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && BUSY_SQLSTATES.has(code);
}

/** A unique violation (23505), of the named constraint when one is given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** The unique index that makes a plot hold one grave (migration 20261126000002). */
export const PLOT_UNIQUE = 'graves_plot_unique';
