/**
 * Sends a stored file's stream as the answer. A file missing from storage (a restore without
 * the private folder, a hand-deleted file) must be an answer, not an unhandled stream error
 * that ends the process: the stream is opened before anything is written, so a failure to open
 * becomes a 404 page, and a failure half-way ends this one response and is logged.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { translate } from '../i18n/messages.js';
import { AppError } from './errors.js';
import { localeOf } from './locale.js';

/** `headers` are set only once the file is open: an error page must not go out as an attachment. */
export async function sendStream(req: Request, res: Response, stream: Readable, headers: Record<string, string>): Promise<void> {
  try {
    // 'readable' also fires at the end of an empty file; 'error' rejects (ENOENT, EACCES, EISDIR).
    await once(stream, 'readable');
  } catch (error) {
    stream.destroy();
    req.log?.warn({ err: error }, 'stored file could not be read');
    throw new AppError(404, 'file_missing', translate(localeOf(res), 'error.fileMissing'));
  }
  res.set(headers);
  try {
    await pipeline(stream, res);
  } catch (error) {
    // Headers are gone by now: the client sees a cut-off download, the log says why.
    req.log?.warn({ err: error }, 'stored file stream failed part-way');
  }
}
