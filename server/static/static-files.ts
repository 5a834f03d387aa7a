/**
 * /static: the front-end files. Content-hashed names (scripts/build-assets.ts) never change
 * content, so browsers keep them for a year without asking again, in every mode; anything else is
 * revalidated on each use (its ETag makes that a 304). Where the build left a brotli copy (.br,
 * MapLibre's files) and the browser takes brotli, the copy is sent as it is.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { LRUCache } from 'lru-cache';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** build/<name>.<12 hex>.<ext>, or anything inside a build/<name>-<12 hex>/ folder. */
const HASHED = /^\/build\/(?:[^/]+\.[0-9a-f]{12}\.[a-z0-9]+|[^/]+-[0-9a-f]{12}\/[^/]+)$/;
const TYPES: Record<string, string> = { '.mjs': 'text/javascript; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export function isHashed(urlPath: string): boolean {
  return HASHED.test(urlPath);
}

function acceptsBrotli(req: Request): boolean {
  return /\bbr\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

export function staticFiles(root: string) {
  const serve = express.static(root, {
    setHeaders: (res, file) => {
      const relative = `/${path.relative(root, file).split(path.sep).join('/')}`.replace(/\.br$/, '');
      res.setHeader('Cache-Control', isHashed(relative) ? IMMUTABLE : 'no-cache');
    },
  });
  // Existence of .br copies, looked up once per path: they only change with a build, which hashes
  // anew. Bounded, since anyone may ask for made-up hashed names.
  const brotliCopies = new LRUCache<string, boolean>({ max: 2_000 });
  return (req: Request, res: Response, next: NextFunction) => {
    const ext = path.extname(req.path);
    if ((req.method === 'GET' || req.method === 'HEAD') && TYPES[ext] && acceptsBrotli(req) && isHashed(req.path)) {
      let has = brotliCopies.get(req.path);
      if (has === undefined) {
        has = existsSync(path.join(root, `${path.normalize(req.path)}.br`));
        brotliCopies.set(req.path, has);
      }
      res.vary('Accept-Encoding');
      if (has) {
        // Set before serve-static, which keeps a Content-Type already there; compression skips
        // an answer that already has a Content-Encoding.
        res.setHeader('Content-Type', TYPES[ext]!);
        res.setHeader('Content-Encoding', 'br');
        req.url = `${req.path}.br`;
      }
    }
    serve(req, res, next);
  };
}
