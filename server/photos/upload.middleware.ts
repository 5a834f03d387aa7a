/**
 * The multipart step of photo uploads: one file per request, held in memory (it is hashed and
 * decoded anyway) and refused beyond MAX_PHOTO_BYTES. Must run after requireStaff and before
 * csrfCheck (the global check has already read the token from the header or the query).
 */
import type { RequestHandler } from 'express';
import multer from 'multer';
import { translate, type Locale } from '../i18n/messages.js';
import { AppError } from '../http/errors.js';
import { statusOf } from '../http/domain-status.js';
import { localeOf } from '../http/locale.js';
import { invalidMultipartError, refuseNulInFields } from '../http/text-guard.js';
import { MAX_PHOTO_BYTES, PhotoRejected } from './photo-processing.js';

/** Room for the form's other fields and the multipart boundaries around the file. */
const FORM_OVERHEAD = 64 * 1024;

const parser = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 10, fieldSize: 2_000, parts: 12 },
}).single('photo');

export const photoUpload: RequestHandler = (req, res, next) => {
  // A body announced larger than any photo we take is refused before it is read into memory.
  const tooLarge = () => localizedRejection(localeOf(res), new PhotoRejected('too_large', 'the file is too large'), null);
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_PHOTO_BYTES + FORM_OVERHEAD) {
    next(tooLarge());
    return;
  }
  parser(req, res, (error: unknown) => {
    if (!error) return next(refuseNulInFields(req, res));
    if (error instanceof multer.MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') return next(tooLarge());
      return next(new AppError(400, 'one_photo_per_request', 'Send one photo per request, in the field "photo".'));
    }
    // Anything else the parser reports is the body itself: truncated, no boundary, a broken part.
    next(invalidMultipartError(res));
  });
};

/** A refusal in the user's language, naming the file: what both the page and the JSON answer show. */
export function localizedRejection(locale: Locale, error: PhotoRejected, fileName: string | null | undefined): AppError {
  const name = fileName?.slice(0, 120) || translate(locale, 'upkeep.upload.thisFile');
  return new AppError(statusOf(error), error.code, translate(locale, `upkeep.rejected.${error.reason}`, { name, maxMb: Math.round(MAX_PHOTO_BYTES / 1024 / 1024) }), { reason: error.reason });
}
