/**
 * Headstone photos at /photos/<key>: only the public sizes (…-thumb.jpg, …-page.jpg, …-full.jpg)
 * of photos the public may see (public_photos: none of a grave where a confidential martyr lies);
 * originals stay private. Keys carry the photo's content hash, so a file never changes under its
 * name and may be cached for good; that is why the visibility check comes before the file, never after.
 */
import express, { type RequestHandler } from 'express';
import type { Db } from '../db/knex.js';
import { isPublicPhotoKey } from './photos.queries.js';

/** graves/123/0123456789abcdef-page.jpg, as seeds/demo/headstone-photos.ts and uploads name them. */
const PUBLIC_PHOTO = /^\/(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_.-]+-(?:thumb|page|full)\.jpg$/;

export function photoFiles(db: Db, photosDir: string): RequestHandler {
  const files = express.static(photosDir, {
    index: false,
    redirect: false,
    dotfiles: 'deny',
    fallthrough: true,
    immutable: true,
    maxAge: '365d',
    setHeaders: (res) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !PUBLIC_PHOTO.test(req.path) || req.path.includes('..')) {
      next();
      return;
    }
    // Not public: fall through, to the staff route that serves it privately or to the 404.
    isPublicPhotoKey(db, req.path.slice(1)).then((isPublic) => (isPublic ? files(req, res, next) : next()), next);
  };
}
