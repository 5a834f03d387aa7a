/**
 * Typed application errors: each has an HTTP status, a stable code and a public message. The error
 * middleware (http/error-handler.ts) renders them; nothing else decides what a user sees of a failure.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'bad_request', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Không tìm thấy trang hoặc dữ liệu này. / Not found.') {
    super(404, 'not_found', message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, details?: unknown) {
    super(503, 'service_unavailable', message, details);
  }
}

/**
 * Domain errors: what went wrong in the terms of the rules, with no HTTP in them. Services throw
 * these; the one error handler maps each class to a status (http/domain-status.ts). `code` is
 * stable (clients and tests read it); `message` is the English fallback: the handler shows the
 * message of `error.code.<code>` in the page's language when web/messages has one.
 */
export abstract class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** No such record. */
export class NotFound extends DomainError {
  constructor(message = 'Not found.', code = 'not_found') {
    super(code, message);
  }
}

/** The record exists but lies outside the actor's jurisdiction: answered exactly as NotFound, so ids cannot be probed. */
export class NotInScope extends DomainError {
  constructor() {
    super('not_found', 'Not found.');
  }
}

/** The change collides with what is there now: a plot taken, a photo already on another grave, someone else first. */
export class Conflict extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** What was asked for existed once and is no longer kept (a change-feed cursor older than the log's retention). */
export class Gone extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** Too many attempts from one sender or for one account; the next may come after `retryAfterSeconds`. */
export class RateLimited extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    code = 'rate_limited',
    message = 'Too many attempts; please try again later.',
  ) {
    super(code, message);
  }
}

/** Values that break a rule; `details` names the fields (and why) for the form or the client. */
export class InvalidInput extends DomainError {
  constructor(message: string, details?: unknown, code = 'invalid_input') {
    super(code, message, details);
  }
}

/** What is wrong with a refused file: its type, its size, its content, or that none came. */
export type FileProblem = 'type' | 'size' | 'content' | 'missing';

/** A file refused for what it is, not for what the request asked. */
export class FileRejected extends DomainError {
  constructor(
    readonly problem: FileProblem,
    code: string,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}
