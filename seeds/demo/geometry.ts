/**
 * Plane geometry the generator needs, done in JS so that it is fast and deterministic: points in
 * polygons (rejection sampling inside a district), metres ↔ degrees near a point, and EWKT text
 * for COPY.
 */
import type { Rng } from './random.js';

export type Position = [lng: number, lat: number];
/** GeoJSON MultiPolygon coordinates: polygons → rings → positions. */
export type MultiPolygonCoords = Position[][][];

const METRES_PER_DEGREE_LAT = 110_574;
const METRES_PER_DEGREE_LNG_AT_EQUATOR = 111_320;

function ringContains(ring: Position[], lng: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as Position;
    const [xj, yj] = ring[j] as Position;
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function multiPolygonContains(coords: MultiPolygonCoords, [lng, lat]: Position): boolean {
  for (const polygon of coords) {
    const [outer, ...holes] = polygon;
    if (outer && ringContains(outer, lng, lat) && !holes.some((hole) => ringContains(hole, lng, lat))) return true;
  }
  return false;
}

function bbox(coords: MultiPolygonCoords): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const polygon of coords) {
    for (const [x, y] of polygon[0] ?? []) {
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

/**
 * A random point inside the polygon, or undefined when 2,000 tries in its bounding box all miss
 * (a sliver of a district); the caller then falls back to a point it knows is inside.
 */
export function randomPointIn(coords: MultiPolygonCoords, rng: Rng): Position | undefined {
  const [minX, minY, maxX, maxY] = bbox(coords);
  if (!Number.isFinite(minX)) return undefined;
  for (let attempt = 0; attempt < 2000; attempt++) {
    const point: Position = [minX + rng.next() * (maxX - minX), minY + rng.next() * (maxY - minY)];
    if (multiPolygonContains(coords, point)) return point;
  }
  return undefined;
}

/** Converts local offsets in metres (east, north) around an origin into longitude/latitude. */
export function offsetter(origin: Position): (east: number, north: number) => Position {
  const [lng0, lat0] = origin;
  const perLng = METRES_PER_DEGREE_LNG_AT_EQUATOR * Math.cos((lat0 * Math.PI) / 180);
  return (east, north) => [lng0 + east / perLng, lat0 + north / METRES_PER_DEGREE_LAT];
}

/** Seven decimals: about a centimetre, and the same text on every run. */
const fmt = (n: number) => n.toFixed(7);

export function pointEwkt([lng, lat]: Position): string {
  return `SRID=4326;POINT(${fmt(lng)} ${fmt(lat)})`;
}

function ringText(sw: Position, ne: Position): string {
  const [x0, y0] = sw;
  const [x1, y1] = ne;
  return `(${fmt(x0)} ${fmt(y0)},${fmt(x1)} ${fmt(y0)},${fmt(x1)} ${fmt(y1)},${fmt(x0)} ${fmt(y1)},${fmt(x0)} ${fmt(y0)})`;
}

/** An axis-aligned rectangle given its south-west and north-east corners. */
export function rectanglePolygonEwkt(sw: Position, ne: Position): string {
  return `SRID=4326;POLYGON(${ringText(sw, ne)})`;
}

export function rectangleMultiPolygonEwkt(sw: Position, ne: Position): string {
  return `SRID=4326;MULTIPOLYGON((${ringText(sw, ne)}))`;
}
