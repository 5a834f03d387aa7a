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
