/**
 * The step that says a route takes an ordinary form (or JSON), not a multipart body: such a body
 * is never parsed for it, so without this step it would reach the handler as an empty form and
 * could do what an empty form does (remove every role, disable an account).
 */
import type { RequestHandler } from 'express';
import { AppError } from './errors.js';

export const formBodyOnly: RequestHandler = (req, _res, next) => {
  if (req.is('multipart/form-data')) return next(new AppError(415, 'unsupported_media_type', 'Biểu mẫu này không nhận tệp đính kèm. / This form takes no files.'));
  next();
};
