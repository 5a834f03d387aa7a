/**
 * Text on the map without glyphs: the portal uses no outside font or sprite server, so the style
 * has no symbol layers. The count bubbles and every name (the archipelagos, neighbouring countries,
 * seas, provinces, districts, cemeteries) are DOM elements laid over the canvas instead: gathered
 * from the rendered features when the map comes to rest, and moved with the map as it pans.
 *
 * Nothing overlaps: bubbles that would touch are merged (clusters.ts) and always shown; each name
 * then takes the first free spot among its point, under the bubble over it and above that bubble,
 * in order of importance, and is left out when none is free.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { mergeBubbles, bubbleAt, type Bubble, type CountPoint } from './clusters.js';
import { h } from './dom.js';
import { formatNumber, pageLocale, t } from './i18n.js';

type Box = { left: number; top: number; right: number; bottom: number };

/** A name at a point: centred on it, or (`above`) standing on it, as over a cemetery's ground. */
type Name = { key: string; text: string; lngLat: [number, number]; className: string; above?: boolean };

/** Something placed: its element's top left is the projected point moved by (dx, dy). */
type Placed = { el: HTMLElement; lngLat: [number, number]; dx: number; dy: number };

/** Zoom below which province names are shown. */
const PROVINCE_NAMES_BELOW = 10;
/** Zoom from which district names (the towns people know) are shown. */
const DISTRICT_NAMES_FROM = 8;
/** Zoom from which cemetery names are shown. */
const CEMETERY_NAMES_FROM = 11;
const MAX_NAMES = 250;
/** Pixels kept between a name and its bubble or another name. */
const PAD = 2;

/** Importance of the named points of the basemap, most important first. */
const NAMED_KINDS = ['islands', 'country', 'sea'] as const;

function point(feature: { geometry: GeoJSON.Geometry }): [number, number] | null {
  return feature.geometry.type === 'Point' ? (feature.geometry.coordinates as [number, number]) : null;
}

/**
 * The bubble radius the style gives a count: read from the style's own `interpolate` expression on
 * sqrt(total), so the two can never disagree.
 */
function styleRadius(map: MapLibreMap): (total: number) => number {
  const expression = map.getPaintProperty('grave-counts', 'circle-radius');
  const stops = Array.isArray(expression) && expression[0] === 'interpolate' ? (expression.slice(3) as number[]) : [0, 8, 100, 32];
  return (total: number) => {
    const x = Math.sqrt(total);
    for (let i = 0; i + 3 < stops.length; i += 2) {
      const [x0, y0, x1, y1] = [stops[i]!, stops[i + 1]!, stops[i + 2]!, stops[i + 3]!];
      if (x <= x1) return x <= x0 ? y0 : y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
    return stops[stops.length - 1]!;
  };
}

const overlaps = (a: Box, b: Box) => a.left < b.right + PAD && a.right + PAD > b.left && a.top < b.bottom + PAD && a.bottom + PAD > b.top;

export type LabelOptions = {
  oldProvinces: () => boolean;
  /** Elements over the map (its controls, a phone's sheet): no name goes under them. */
  covers: () => Element[];
};

export function mapLabels(map: MapLibreMap, options: LabelOptions) {
  const layer = h('div', { class: 'map-labels', 'aria-hidden': 'true' });
  map.getContainer().append(layer);
  let placed: Placed[] = [];
  let bubbles: Bubble[] = [];
  const fromStyle = styleRadius(map);
  const english = pageLocale() === 'en';

  // A bubble is at least wide enough for its number ("12.345"), measured in the bubbles' own font.
  const measure = document.createElement('canvas').getContext('2d');
  const probe = h('span', { class: 'map-cluster' });
  layer.append(probe);
  const font = getComputedStyle(probe);
  if (measure) measure.font = `${font.fontWeight} ${font.fontSize} ${font.fontFamily}`;
  probe.remove();
  const radius = (total: number) => Math.max(fromStyle(total), (measure?.measureText(formatNumber(total)).width ?? 30) / 2 + 5);

  function countPoints(): CountPoint[] {
    if (map.getZoom() >= 15) return [];
    const seen = new Set<string>();
    const points: CountPoint[] = [];
    for (const f of map.queryRenderedFeatures({ layers: ['grave-counts'] })) {
      const at = point(f);
      const total = Number(f.properties.total);
      if (!at || !total) continue;
      const level = String(f.properties.level);
      const key = `${level}:${f.properties.key ?? at.map((c) => c.toFixed(5)).join(',')}`;
      // A point on a tile's edge comes once from each tile that holds it.
      if (seen.has(key)) continue;
      seen.add(key);
      const p = map.project(at);
      const name = typeof f.properties.name === 'string' ? f.properties.name : null;
      points.push({ key, level, name, total, unidentified: Number(f.properties.unidentified), x: p.x, y: p.y, lngLat: at });
    }
    return points;
  }

  function names(): Name[] {
    const zoom = map.getZoom();
    const bounds = map.getBounds();
    const out: Name[] = [];
    const seen = new Set<string>();
    const add = (name: Name) => {
      if (seen.has(name.key) || !bounds.contains(name.lngLat)) return;
      seen.add(name.key);
      out.push(name);
    };
    const basemap = (kind: string) => map.querySourceFeatures('basemap', { sourceLayer: 'labels', filter: ['==', ['get', 'kind'], kind] });
    const text = (f: { properties: Record<string, unknown> }) => String((english && f.properties.name_en) || f.properties.name || '');

    for (const kind of NAMED_KINDS) {
      for (const f of basemap(kind)) {
        const at = point(f);
        if (at && text(f)) add({ key: `${kind}:${text(f)}`, text: text(f), lngLat: at, className: `map-label map-label-${kind}` });
      }
    }
    if (zoom < PROVINCE_NAMES_BELOW) {
      const kind = options.oldProvinces() ? 'province-2024' : 'province';
      for (const f of basemap(kind)) {
        const at = point(f);
        if (at && text(f)) add({ key: `province:${text(f)}`, text: text(f), lngLat: at, className: 'map-label map-label-province' });
      }
    }
    if (zoom >= CEMETERY_NAMES_FROM) {
      for (const f of map.queryRenderedFeatures({ layers: ['cemetery-points'] })) {
        const at = point(f);
        if (at && typeof f.properties.name === 'string') add({ key: `cemetery:${String(f.id ?? f.properties.name)}`, text: f.properties.name, lngLat: at, className: 'map-label map-label-cemetery' });
      }
    }
    if (zoom >= 15) {
      // Cemetery points stop at 15, where the grounds are drawn: the name goes over the ground's
      // top edge, clear of the graves.
      for (const f of map.queryRenderedFeatures({ layers: ['cemetery-areas'] })) {
        const name = f.properties.name;
        const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates[0]?.[0] : undefined;
        if (typeof name !== 'string' || !ring?.length) continue;
        const lngs = ring.map((c) => c[0]!);
        const north = Math.max(...ring.map((c) => c[1]!));
        add({ key: `cemetery:${String(f.id ?? name)}`, text: name, lngLat: [(Math.min(...lngs) + Math.max(...lngs)) / 2, north], className: 'map-label map-label-cemetery', above: true });
      }
    }
    if (zoom >= DISTRICT_NAMES_FROM) {
      for (const f of basemap('district')) {
        const at = point(f);
        if (at && text(f)) add({ key: `district:${text(f)}:${at.join(',')}`, text: text(f), lngLat: at, className: 'map-label map-label-district' });
      }
    }
    return out.slice(0, MAX_NAMES);
  }

  function position(item: Placed) {
    const p = map.project(item.lngLat);
    // CSSOM writes, which the page's CSP (style-src 'self') allows; no style attributes in HTML.
    item.el.style.transform = `translate(${Math.round(p.x + item.dx)}px, ${Math.round(p.y + item.dy)}px)`;
  }

  function bubbleElement(b: Bubble): HTMLElement {
    const grey = b.total === b.unidentified;
    const where = b.members.map((m) => m.name).filter(Boolean).slice(0, 4).join(', ');
    const el = h('span', { class: `map-cluster${grey ? ' map-cluster-unidentified' : ''}`, title: `${where ? `${where}: ` : ''}${t('map.countTitle', { count: formatNumber(b.total) })}` }, formatNumber(b.total));
    el.style.width = el.style.height = `${Math.round(b.r * 2)}px`;
    return el;
  }

  /** Lays everything out again: on rest, and when data or the province switch changes. */
  function refresh() {
    bubbles = mergeBubbles(countPoints(), radius);
    const next: Placed[] = bubbles.map((b) => ({ el: bubbleElement(b), lngLat: b.lngLat, dx: -Math.round(b.r), dy: -Math.round(b.r) }));
    const taken: Box[] = bubbles.map((b) => ({ left: b.x - b.r, top: b.y - b.r, right: b.x + b.r, bottom: b.y + b.r }));
    const frame = map.getContainer().getBoundingClientRect();
    for (const el of options.covers()) {
      const r = el.getBoundingClientRect();
      if (r.width && r.height) taken.push({ left: r.left - frame.left, top: r.top - frame.top, right: r.right - frame.left, bottom: r.bottom - frame.top });
    }
    const candidates = names().map((n) => ({ name: n, el: h('span', { class: n.className }, n.text) }));
    layer.replaceChildren(...next.map((p) => p.el), ...candidates.map((c) => c.el));
    // One layout for all the sizes: every element is in the page before any is measured.
    const sizes = candidates.map((c) => ({ w: c.el.offsetWidth, h: c.el.offsetHeight }));
    const { clientWidth: width, clientHeight: heightOfMap } = map.getContainer();
    candidates.forEach((c, i) => {
      const { w, h: height } = sizes[i]!;
      const p = map.project(c.name.lngLat);
      // Centred on its point; else just under, or just over, the bubble that covers the point.
      const spots = [{ dx: -w / 2, dy: c.name.above ? -height - PAD : -height / 2 }];
      const over = bubbles.find((b) => Math.abs(b.x - p.x) < b.r + w / 2 && Math.abs(b.y - p.y) < b.r + height / 2);
      if (over) spots.push({ dx: over.x - p.x - w / 2, dy: over.y + over.r + PAD - p.y }, { dx: over.x - p.x - w / 2, dy: over.y - over.r - PAD - height - p.y });
      const free = spots.find((s) => {
        const box = { left: p.x + s.dx, top: p.y + s.dy, right: p.x + s.dx + w, bottom: p.y + s.dy + height };
        // Whole names only: one cut by the map's edge reads as another word.
        const inView = box.left >= 0 && box.top >= 0 && box.right <= width && box.bottom <= heightOfMap;
        return inView && !taken.some((b) => overlaps(box, b));
      });
      if (!free) {
        c.el.remove();
        return;
      }
      taken.push({ left: p.x + free.dx, top: p.y + free.dy, right: p.x + free.dx + w, bottom: p.y + free.dy + height });
      next.push({ el: c.el, lngLat: c.name.lngLat, dx: Math.round(free.dx), dy: Math.round(free.dy) });
    });
    placed = next;
    placed.forEach(position);
    // How many layouts so far: lets a test (or a person's devtools) see that the overlay is current.
    layer.dataset.layouts = String(Number(layer.dataset.layouts ?? 0) + 1);
  }

  // Moving only shifts what is placed; what shows is decided again once the map is at rest with
  // its tiles loaded ('idle'), and only if the view or the data changed since.
  let frame = 0;
  let dirty = true;
  map.on('move', () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      placed.forEach(position);
      // Hit-testing (bubbleAt) works in screen pixels: keep the bubbles' own positions in step.
      for (const b of bubbles) {
        const p = map.project(b.lngLat);
        [b.x, b.y] = [p.x, p.y];
      }
    });
  });
  map.on('moveend', () => (dirty = true));
  map.on('sourcedata', (event) => {
    if (event.tile) dirty = true;
  });
  map.on('idle', () => {
    if (!dirty) return;
    dirty = false;
    refresh();
  });

  return {
    /** Asks for a new layout at the next rest (after the province switch, say). */
    invalidate() {
      dirty = true;
      map.triggerRepaint();
    },
    /**
     * Search results are drawn on the canvas, under the bubbles: while there are some, the bubbles
     * fade so the results show through (what the person looks for comes first).
     */
    dim(dimmed: boolean) {
      layer.classList.toggle('is-dimmed', dimmed);
    },
    /** The count bubble at a point of the map (pixels from its top left), for clicks. */
    bubbleAt(x: number, y: number): Bubble | undefined {
      return bubbleAt(bubbles, x, y);
    },
  };
}
