/**
 * The multipart step of dossier uploads: one file per request in the field "file", held in memory
 * (it is hashed and sniffed whole) and refused beyond MAX_DOCUMENT_BYTES before it is read in.
 * Must run after requireStaff and before csrfCheck.
 */
import type { RequestHandler } from 'express';
import multer from 'multer';
import { translate, type Locale } from '../i18n/messages.js';
import { AppError } from '../http/errors.js';
import { statusOf } from '../http/domain-status.js';
import { localeOf } from '../http/locale.js';
import { invalidMultipartError, refuseNulInFields } from '../http/text-guard.js';
import { DocumentRejected, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_PAGES } from './dossier-files.js';

const FORM_OVERHEAD = 64 * 1024;

const parser = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 12, fieldSize: 2_000, parts: 14 },
}).single('file');

export const documentUpload: RequestHandler = (req, res, next) => {
  const tooLarge = () => localizedDocumentRejection(localeOf(res), new DocumentRejected('too_large', 'the file is too large'), null);
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_DOCUMENT_BYTES + FORM_OVERHEAD) return next(tooLarge());
  parser(req, res, (error: unknown) => {
    if (!error) return next(refuseNulInFields(req, res));
    if (error instanceof multer.MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') return next(tooLarge());
      return next(new AppError(400, 'one_file_per_request', translate(localeOf(res), 'dossiers.rejected.oneFile')));
    }
    next(invalidMultipartError(res));
  });
};

export function localizedDocumentRejection(locale: Locale, error: DocumentRejected, fileName: string | null | undefined): AppError {
  const name = fileName?.slice(0, 120) || translate(locale, 'dossiers.upload.thisFile');
  return new AppError(statusOf(error), error.code, translate(locale, `dossiers.rejected.${error.reason}`, { name, maxMb: Math.round(MAX_DOCUMENT_BYTES / 1024 / 1024), maxPages: MAX_DOCUMENT_PAGES }), { reason: error.reason });
}
