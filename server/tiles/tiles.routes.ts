/**
 * GET /tiles/{layer}/{z}/{x}/{y}.mvt and /tiles/{layer}.json (TileJSON 3.0). Tiles carry a strong
 * ETag of their bytes: data layers are revalidated on every use (max-age 0), so an edited grave
 * shows at once while unchanged tiles cost a 304; an empty tile is a 204.
 */
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Db } from '../db/knex.js';
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { MAX_ZOOM, TILE_LAYERS, type TileLayer } from './tile-layers.js';
import { renderTile } from './tiles.queries.js';

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';

function layerOf(name: string): TileLayer {
  const layer = Object.hasOwn(TILE_LAYERS, name) ? TILE_LAYERS[name] : undefined;
  if (!layer) throw new NotFoundError(`No tile layer "${name}". Layers: ${Object.keys(TILE_LAYERS).join(', ')}.`);
  return layer;
}

function tileCoordinates(params: Record<string, string>): { z: number; x: number; y: number } {
  const [z, x, y] = [params.z, params.x, params.y].map((v) => (v !== undefined && /^\d{1,8}$/.test(v) ? Number(v) : NaN)) as [number, number, number];
  if (!Number.isInteger(z) || z > MAX_ZOOM) throw new BadRequestError(`z must be a whole number from 0 to ${MAX_ZOOM}`);
  const size = 2 ** z;
  if (!Number.isInteger(x) || x >= size || !Number.isInteger(y) || y >= size) throw new BadRequestError(`x and y must be whole numbers from 0 to ${size - 1} at zoom ${z}`);
  return { z, x, y };
}

function baseUrl(req: Request, publicBaseUrl: string | undefined): string {
  return publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;
}

export function tileRoutes(db: Db, publicBaseUrl: string | undefined): Router {
  const router = Router();

  router.get('/tiles/:layer.json', (req, res) => {
    const layer = layerOf(req.params.layer);
    res.set('Cache-Control', 'public, max-age=300').json({
      tilejson: '3.0.0',
      name: layer.name,
      description: layer.description,
      scheme: 'xyz',
      tiles: [`${baseUrl(req, publicBaseUrl)}/tiles/${layer.name}/{z}/{x}/{y}.mvt`],
      minzoom: layer.minzoom,
      maxzoom: layer.maxzoom,
      bounds: layer.bounds,
      center: [106.0, 16.5, 5],
      vector_layers: layer.vectorLayers,
    });
  });

  router.get('/tiles/:layer/:z/:x/:y.mvt', async (req, res) => {
    const layer = layerOf(req.params.layer);
    const { z, x, y } = tileCoordinates(req.params);
    if (z > layer.maxzoom) throw new BadRequestError(`the ${layer.name} layer has no tiles above zoom ${layer.maxzoom}`);
    const tile = await renderTile(db, layer, z, x, y);
    res.set('Cache-Control', layer.maxAge ? `public, max-age=${layer.maxAge}` : 'public, max-age=0, must-revalidate');
    if (tile.length === 0) {
      res.status(204).end();
      return;
    }
    const etag = `"${createHash('sha1').update(tile).digest('base64url')}"`;
    res.set('ETag', etag);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.type(MVT_TYPE).send(tile);
  });

  return router;
}
