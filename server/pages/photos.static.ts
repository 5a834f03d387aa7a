/**
 * Headstone photos at /photos/<key>: only the public sizes (…-thumb.jpg, …-page.jpg, …-full.jpg);
 * originals stay private. Keys carry the photo's content hash, so a file never changes under its
 * name and may be cached for good.
 */
import express, { type RequestHandler } from 'express';

/** graves/123/0123456789abcdef-page.jpg, as seeds/demo/headstone-photos.ts and uploads name them. */
const PUBLIC_PHOTO = /^\/(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_.-]+-(?:thumb|page|full)\.jpg$/;

export function photoFiles(photosDir: string): RequestHandler {
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
    files(req, res, next);
  };
}
