import { LRUCache } from 'lru-cache';
import type { Db } from '../db/knex.js';
import { tileSql, type TileLayer } from './tile-layers.js';

/** Basemap tiles take tens of milliseconds to simplify and clip and never change while running. */
const cache = new LRUCache<string, Buffer>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (tile) => Math.max(tile.length, 1) });

/** One tile of a layer, made by PostGIS; an empty buffer when nothing lies in it. */
export async function renderTile(db: Db, layer: TileLayer, z: number, x: number, y: number): Promise<Buffer> {
  const key = `${layer.name}/${z}/${x}/${y}`;
  const cached = layer.cacheable ? cache.get(key) : undefined;
  if (cached) return cached;
  const { rows } = await db.raw<{ rows: { mvt: Buffer | null }[] }>(tileSql(layer, z), { z, x, y });
  const tile = rows[0]?.mvt ?? Buffer.alloc(0);
  if (layer.cacheable) cache.set(key, tile);
  return tile;
}
