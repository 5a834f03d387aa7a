/**
 * Text on the map without glyphs: the portal uses no outside font or sprite server, so the style
 * has no symbol layers. Province names, cemetery names and the numbers in count bubbles are DOM
 * elements laid over the canvas instead: gathered from the rendered features when the map comes
 * to rest, placed without overlapping (most important first), and moved with the map as it pans.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { h } from './dom.js';
import { formatCompact, formatNumber, t } from './i18n.js';

type Label = {
  key: string;
  text: string;
  lngLat: [number, number];
  className: string;
  /** Pixels to move the label down from its point (a name under its bubble). */
  dy: number;
  title?: string;
};

/** Zoom below which province names are shown. */
const PROVINCE_NAMES_BELOW = 10;
/** Zoom from which cemetery names are shown. */
const CEMETERY_NAMES_FROM = 11;
const MAX_LABELS = 250;

function point(feature: { geometry: GeoJSON.Geometry }): [number, number] | null {
  return feature.geometry.type === 'Point' ? (feature.geometry.coordinates as [number, number]) : null;
}

/**
 * The bubble radius the style gives a count: read from the style's own `interpolate` expression on
 * sqrt(total), so the two can never disagree about where a name goes under its bubble.
 */
function radiusFunction(map: MapLibreMap): (total: number) => number {
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

export function mapLabels(map: MapLibreMap, options: { oldProvinces: () => boolean }) {
  const layer = h('div', { class: 'map-labels', 'aria-hidden': 'true' });
  map.getContainer().append(layer);
  let placed: { label: Label; el: HTMLElement }[] = [];
  const radius = radiusFunction(map);

  function collect(): Label[] {
    const zoom = map.getZoom();
    const labels: Label[] = [];
    const seen = new Set<string>();
    const add = (label: Label) => {
      if (seen.has(label.key)) return;
      seen.add(label.key);
      labels.push(label);
    };
    // Bubbles at the same point as a name: the name goes under the bubble.
    const provinceTotals = new Map<string, number>();
    const cemeteryTotals = new Map<string, number>();

    if (zoom < 15) {
      const counts = map.queryRenderedFeatures({ layers: ['grave-counts'] }).sort((a, b) => Number(b.properties.total) - Number(a.properties.total));
      for (const f of counts) {
        const at = point(f);
        const total = Number(f.properties.total);
        if (!at || !total) continue;
        const level = String(f.properties.level);
        if (level === 'province') provinceTotals.set(String(f.properties.name), total);
        if (level === 'cemetery') cemeteryTotals.set(String(f.properties.key), total);
        add({
          key: `count:${level}:${f.properties.key ?? at.map((c) => c.toFixed(5)).join(',')}`,
          text: formatCompact(total),
          lngLat: at,
          className: 'map-label map-label-count',
          dy: 0,
          title: `${f.properties.name ? `${String(f.properties.name)}: ` : ''}${t('map.countTitle', { count: formatNumber(total) })}`,
        });
      }
    }
    if (zoom >= CEMETERY_NAMES_FROM) {
      for (const f of map.queryRenderedFeatures({ layers: ['cemetery-points'] })) {
        const name = f.properties.name;
        if (typeof name !== 'string') continue;
        const at = point(f);
        if (!at) continue;
        const total = cemeteryTotals.get(String(f.id));
        add({ key: `cemetery:${String(f.id ?? name)}`, text: name, lngLat: at, className: 'map-label map-label-cemetery', dy: total ? radius(total) + 9 : 24 });
      }
    }
    if (zoom < PROVINCE_NAMES_BELOW) {
      const kind = options.oldProvinces() ? 'province-2024' : 'province';
      const bounds = map.getBounds();
      for (const f of map.querySourceFeatures('basemap', { sourceLayer: 'labels', filter: ['==', ['get', 'kind'], kind] })) {
        const at = point(f);
        const name = f.properties.name;
        if (!at || typeof name !== 'string' || !bounds.contains(at)) continue;
        const total = kind === 'province' ? provinceTotals.get(name) : undefined;
        add({ key: `province:${name}`, text: name, lngLat: at, className: 'map-label map-label-province', dy: total ? radius(total) + 9 : 0 });
      }
    }
    return labels.slice(0, MAX_LABELS);
  }

  function position(el: HTMLElement, label: Label) {
    const p = map.project(label.lngLat);
    // CSSOM writes, which the page's CSP (style-src 'self') allows; no style attributes in HTML.
    el.style.transform = `translate(${Math.round(p.x)}px, ${Math.round(p.y + label.dy)}px) translate(-50%, -50%)`;
  }

  /** Lays the labels out again: on rest, and when data or the province switch changes. */
  function refresh() {
    const boxes: DOMRect[] = [];
    const next: typeof placed = [];
    const fragment = document.createDocumentFragment();
    for (const label of collect()) {
      const el = h('span', { class: label.className, title: label.title }, label.text);
      fragment.append(el);
      next.push({ label, el });
    }
    layer.replaceChildren(fragment);
    // In the order collected: counts (largest first), then cemetery names, then province names;
    // whatever would overlap a label already placed is left out (its bubble still shows).
    for (const item of next) {
      position(item.el, item.label);
      const box = item.el.getBoundingClientRect();
      const overlaps = boxes.some((b) => box.left < b.right && box.right > b.left && box.top < b.bottom && box.bottom > b.top);
      if (overlaps) item.el.remove();
      else boxes.push(box);
    }
    placed = next.filter((item) => item.el.isConnected);
  }

  // Moving only shifts the labels; which labels show is decided again once the map is at rest
  // with its tiles loaded ('idle'), and only if the view or the data changed since.
  let frame = 0;
  let dirty = true;
  map.on('move', () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => placed.forEach((item) => position(item.el, item.label)));
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
  };
}
