/**
 * Domain errors carry no HTTP; the one error handler gives each class its status, the Retry-After a
 * rate limit asks for, and the message in the page's language. Run through the real handler.
 */
import cookieParser from 'cookie-parser';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../../server/http/error-handler.js';
import { AppError, Conflict, DomainError, FileRejected, Gone, InvalidInput, NotFound, NotInScope, RateLimited } from '../../server/http/errors.js';
import { localeMiddleware } from '../../server/http/locale.js';
import { PhotoRejected } from '../../server/photos/photo-processing.js';
import { SectionConflict } from '../../server/upkeep/cemetery-edit.service.js';

function appThrowing(error: Error) {
  const app = express();
  app.use(cookieParser());
  app.use(localeMiddleware);
  app.get('/x', () => {
    throw error;
  });
  app.use(errorHandler);
  return app;
}

const answer = (error: Error, lang?: 'vi' | 'en') => request(appThrowing(error)).get('/x').query(lang ? { lang } : {}).set('Accept', 'application/json');

describe('domain errors mapped by the one error handler', () => {
  it.each([
    ['NotFound', new NotFound(), 404, 'not_found'],
    ['NotInScope, answered exactly as NotFound', new NotInScope(), 404, 'not_found'],
    ['Conflict with its own code', new Conflict('plot_taken', 'The plot already has a grave.'), 409, 'plot_taken'],
    ['Gone, no longer kept', new Gone('cursor_expired', 'The feed keeps 90 days.'), 410, 'cursor_expired'],
    ['RateLimited', new RateLimited(42), 429, 'rate_limited'],
    ['InvalidInput', new InvalidInput('year: not a year', { fields: ['year'] }), 400, 'invalid_input'],
    ['a file of a refused type', new FileRejected('type', 'file_type', 'not an image'), 415, 'file_type'],
    ['a file too large', new PhotoRejected('too_large', 'the file is too large'), 413, 'photo_too_large'],
    ['a file that cannot be read', new PhotoRejected('unreadable', 'damaged'), 422, 'photo_unreadable'],
    ['no file at all', new PhotoRejected('empty', 'empty'), 400, 'photo_empty'],
    ['a section that still has graves', new SectionConflict('has_graves'), 409, 'section_has_graves'],
  ])('%s → %i', async (_name, error, status, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).not.toBeInstanceOf(AppError);
    const res = await answer(error);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('sends Retry-After with a rate limit, in whole seconds', async () => {
    const res = await answer(new RateLimited(12.2));
    expect(res.headers['retry-after']).toBe('13');
    expect((await answer(new Conflict('plot_taken', 'taken'))).headers['retry-after']).toBeUndefined();
  });

  it('says it in Vietnamese first, in English when asked, and keeps the details', async () => {
    expect((await answer(new NotInScope())).body.error.message).toBe('Không tìm thấy trang hoặc dữ liệu này.');
    expect((await answer(new NotInScope(), 'en')).body.error.message).toBe('This page or record was not found.');
    const invalid = await answer(new InvalidInput('year: not a year', { fields: ['year'] }), 'en');
    expect(invalid.body.error).toEqual({ code: 'invalid_input', message: 'What was sent is not valid.', details: { fields: ['year'] } });
  });

  it('keeps a code without a catalogue message as the error says it', async () => {
    expect((await answer(new Conflict('plot_taken', 'The plot already has a grave.'))).body.error.message).toBe('The plot already has a grave.');
  });

  it('renders a page, not JSON, for a browser', async () => {
    const res = await request(appThrowing(new SectionConflict('code_taken'))).get('/x').set('Accept', 'text/html');
    expect(res.status).toBe(409);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('Nghĩa trang đã có khu/lô với mã này.');
  });

  it('leaves AppError as it was', async () => {
    const res = await answer(new AppError(403, 'forbidden', 'No.'));
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: 'forbidden', message: 'No.' });
  });
});
