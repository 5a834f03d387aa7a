/**
 * Small maps drawn on the server as inline SVG, so a page shows where a grave is with JavaScript
 * off and on paper. Pure functions: geometry in (longitude/latitude), SVG text out.
 *
 * Coordinates are projected to Web Mercator (shapes keep their proportions at any latitude) and
 * scaled so the longer side of the map is 1000 units; sizes of dots and labels are in those units.
 * Colours and line widths come from CSS classes in /static/pages.css (the page's CSP blocks style
 * attributes; SVG presentation attributes are fine).
 */

export type LngLat = readonly [number, number];
export type Ring = LngLat[];
export type Polygon = Ring[];
export type MultiPolygon = Polygon[];

type Point = [number, number];
type Box = { minX: number; minY: number; maxX: number; maxY: number };

/** Units along the longer side of every map. */
const SIZE = 1000;
const EARTH_RADIUS = 6_378_137;

function mercator([lng, lat]: LngLat): Point {
  const clamped = Math.max(-85, Math.min(85, lat));
  return [(EARTH_RADIUS * lng * Math.PI) / 180, EARTH_RADIUS * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360))];
}

const emptyBox = (): Box => ({ minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity });

function extend(box: Box, [x, y]: Point): Box {
  box.minX = Math.min(box.minX, x);
  box.minY = Math.min(box.minY, y);
  box.maxX = Math.max(box.maxX, x);
  box.maxY = Math.max(box.maxY, y);
  return box;
}

const isEmpty = (box: Box) => !(box.minX <= box.maxX);
const overlaps = (a: Box, b: Box) => a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY;

function polygonBox(polygon: Polygon): Box {
  const box = emptyBox();
  for (const p of polygon[0] ?? []) extend(box, mercator(p));
  return box;
}

/** Shoelace area of the outer ring, in projected square metres. */
function polygonArea(polygon: Polygon): number {
  const ring = (polygon[0] ?? []).map(mercator);
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return Math.abs(sum) / 2;
}

/** Maps projected metres to SVG units: origin top left, y down, longer side SIZE. */
export type Frame = { minX: number; maxY: number; scale: number; width: number; height: number; metresPerUnit: number };

function frameOf(box: Box, padRatio: number, minSpanMetres: number): Frame {
  let { minX, minY, maxX, maxY } = box;
  const grow = (span: number, lo: number, hi: number): [number, number] => {
    const mid = (lo + hi) / 2;
    return [mid - span / 2, mid + span / 2];
  };
  // Mercator metres are stretched by 1/cos(latitude); the minimum span is in ground metres.
  const stretch = 1 / Math.cos(Math.atan(Math.sinh((minY + maxY) / 2 / EARTH_RADIUS)));
  const minSpan = minSpanMetres * stretch;
  if (maxX - minX < minSpan) [minX, maxX] = grow(minSpan, minX, maxX);
  if (maxY - minY < minSpan) [minY, maxY] = grow(minSpan, minY, maxY);
  const pad = Math.max(maxX - minX, maxY - minY) * padRatio;
  minX -= pad;
  maxX += pad;
  minY -= pad;
  maxY += pad;
  const scale = SIZE / Math.max(maxX - minX, maxY - minY);
  return {
    minX,
    maxY,
    scale,
    width: round((maxX - minX) * scale),
    height: round((maxY - minY) * scale),
    metresPerUnit: 1 / scale / stretch,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const num = (n: number) => String(round(n));

function toSvg(frame: Frame, p: LngLat): Point {
  const [x, y] = mercator(p);
  return [(x - frame.minX) * frame.scale, (frame.maxY - y) * frame.scale];
}

/** SVG path data with relative moves (shorter), rounded to a tenth of a unit. */
function pathData(frame: Frame, polygons: Polygon[]): string {
  const out: string[] = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      let previous: Point | undefined;
      let first = true;
      for (const p of ring) {
        const [x, y] = toSvg(frame, p).map(round) as Point;
        if (first) out.push(`M${num(x)} ${num(y)}`);
        else {
          const dx = round(x - previous![0]);
          const dy = round(y - previous![1]);
          if (dx === 0 && dy === 0) continue;
          out.push(`l${num(dx)} ${num(dy)}`);
        }
        previous = [x, y];
        first = false;
      }
      if (!first) out.push('z');
    }
  }
  return out.join('');
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function svgOpen(frame: Frame, className: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="${className}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${escapeXml(label)}"><title>${escapeXml(label)}</title>`;
}

export type Marker = { lng: number; lat: number };

export type LocatorMapInput = {
  /** The province outline, already simplified. */
  outline: MultiPolygon;
  /** Points drawn as small dots (a province's cemeteries). */
  points?: Marker[];
  /** The place the page is about, drawn as a larger dot. */
  highlight?: Marker;
  label: string;
};

/**
 * A province with dots on it. Islands far from the mainland (Trường Sa, Hoàng Sa) would shrink
 * the province to a speck, so the frame holds the larger parts and the marked points only; parts
 * wholly outside it are left out of the drawing.
 */
export function locatorMapSvg(input: LocatorMapInput): string {
  const parts = input.outline.filter((p) => p[0] && p[0].length >= 3);
  const largest = Math.max(0, ...parts.map(polygonArea));
  const box = emptyBox();
  for (const part of parts) {
    if (polygonArea(part) >= largest * 0.1) {
      const b = polygonBox(part);
      extend(extend(box, [b.minX, b.minY]), [b.maxX, b.maxY]);
    }
  }
  const marked = [...(input.points ?? []), ...(input.highlight ? [input.highlight] : [])];
  for (const m of marked) extend(box, mercator([m.lng, m.lat]));
  if (isEmpty(box)) return '';
  const frame = frameOf(box, 0.04, 2_000);
  const view: Box = { minX: frame.minX, maxX: frame.minX + frame.width / frame.scale, minY: frame.maxY - frame.height / frame.scale, maxY: frame.maxY };
  const drawn = parts.filter((p) => overlaps(polygonBox(p), view));
  const dots = (input.points ?? [])
    .map((m) => toSvg(frame, [m.lng, m.lat]))
    .map(([x, y]) => `M${num(x)} ${num(y)}h0`)
    .join('');
  let svg = svgOpen(frame, 'map-svg map-locator', input.label);
  if (drawn.length) svg += `<path class="map-province" d="${pathData(frame, drawn)}"/>`;
  if (dots) svg += `<path class="map-points" stroke-width="18" d="${dots}"/>`;
  if (input.highlight) {
    const [x, y] = toSvg(frame, [input.highlight.lng, input.highlight.lat]);
    svg += `<circle class="map-highlight-halo" cx="${num(x)}" cy="${num(y)}" r="34"/><circle class="map-highlight" cx="${num(x)}" cy="${num(y)}" r="16"/>`;
  }
  return `${svg}</svg>`;
}

export type GraveState = 'identified' | 'partial' | 'unknown';
export const GRAVE_STATES: readonly GraveState[] = ['identified', 'partial', 'unknown'];

export type PlanMapInput = {
  boundary?: MultiPolygon | null;
  sections: { code: string; label: string; polygon: Polygon }[];
  graves?: (Marker & { state: string })[];
  /** The grave the page is about. */
  highlight?: Marker;
  label: string;
  /** "50 m": the scale bar's text is the caller's, so that it can be translated. */
  scaleLabel?: (metres: number) => string;
};

const SCALE_STEPS = [5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000];

/** A cemetery's ground plan: boundary, sections with their codes, graves by state, one grave marked. */
export function planMapSvg(input: PlanMapInput): string {
  const box = emptyBox();
  for (const polygon of [...(input.boundary ?? []), ...input.sections.map((s) => s.polygon)]) {
    for (const p of polygon[0] ?? []) extend(box, mercator(p));
  }
  for (const g of input.graves ?? []) extend(box, mercator([g.lng, g.lat]));
  if (input.highlight) extend(box, mercator([input.highlight.lng, input.highlight.lat]));
  if (isEmpty(box)) return '';
  const frame = frameOf(box, 0.05, 60);
  let svg = svgOpen(frame, 'map-svg map-plan', input.label);
  if (input.boundary?.length) svg += `<path class="map-cemetery" d="${pathData(frame, input.boundary)}"/>`;
  for (const section of input.sections) {
    svg += `<path class="map-section" d="${pathData(frame, [section.polygon])}"/>`;
  }

  const graves = input.graves ?? [];
  if (graves.length) {
    // Dots about a third of the spacing between neighbouring graves, but always visible.
    const spacing = Math.sqrt((frame.width * frame.height) / graves.length);
    const width = Math.max(2.5, Math.min(14, spacing * 0.55));
    for (const state of GRAVE_STATES) {
      const d = graves
        .filter((g) => g.state === state)
        .map((g) => toSvg(frame, [g.lng, g.lat]))
        .map(([x, y]) => `M${num(x)} ${num(y)}h0`)
        .join('');
      if (d) svg += `<path class="map-graves map-graves-${state}" stroke-width="${num(width)}" d="${d}"/>`;
    }
  }

  for (const section of input.sections) {
    const b = polygonBox(section.polygon);
    if (isEmpty(b)) continue;
    const [x0, y0] = toSvg(frame, inverse(b.minX, b.maxY));
    const [x1, y1] = toSvg(frame, inverse(b.maxX, b.minY));
    const size = Math.max(18, Math.min(64, (x1 - x0) / Math.max(2, section.label.length * 0.7), (y1 - y0) / 4));
    svg += `<text class="map-section-label" x="${num((x0 + x1) / 2)}" y="${num(y0 + size * 1.1)}" font-size="${num(size)}" text-anchor="middle">${escapeXml(section.label)}</text>`;
  }

  if (input.highlight) {
    const [x, y] = toSvg(frame, [input.highlight.lng, input.highlight.lat]);
    svg += `<circle class="map-highlight-halo" cx="${num(x)}" cy="${num(y)}" r="34"/><circle class="map-highlight" cx="${num(x)}" cy="${num(y)}" r="15"/>`;
  }

  if (input.scaleLabel) {
    const target = frame.width * 0.2 * frame.metresPerUnit;
    const metres = [...SCALE_STEPS].reverse().find((s) => s <= target) ?? SCALE_STEPS[0]!;
    const length = metres / frame.metresPerUnit;
    const x = 20;
    const y = frame.height - 16;
    svg += `<path class="map-scale" d="M${x} ${num(y - 14)}v14h${num(length)}v-14"/><text class="map-scale-label" x="${num(x + length + 10)}" y="${num(y)}" font-size="34">${escapeXml(input.scaleLabel(metres))}</text>`;
  }
  return `${svg}</svg>`;
}

/** Projected metres back to longitude/latitude (for placing labels at a box's corners). */
function inverse(x: number, y: number): LngLat {
  return [(x / EARTH_RADIUS) * (180 / Math.PI), (Math.atan(Math.sinh(y / EARTH_RADIUS)) * 180) / Math.PI];
}

/** GeoJSON (Polygon or MultiPolygon, as PostGIS writes it) to polygons; anything else to none. */
export function polygonsOf(geojson: unknown): MultiPolygon {
  const g = geojson as { type?: string; coordinates?: unknown; geometries?: unknown[] } | null;
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates as Polygon];
  if (g.type === 'MultiPolygon') return g.coordinates as MultiPolygon;
  if (g.type === 'GeometryCollection') return (g.geometries ?? []).flatMap(polygonsOf);
  return [];
}
