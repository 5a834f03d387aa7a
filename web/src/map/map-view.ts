/**
 * The MapLibre map: the style from the server (tiles/style.json), the search results as a GeoJSON
 * source, and what is selected or hovered shown through the style's own highlight layers
 * (`graves-hover`, `graves-selected`: the graves layer filtered by id; `results-active`;
 * `selection-point` below zoom 15, where single graves are not drawn).
 */
import { LngLatBounds, Map as MapLibreMap, NavigationControl, Popup, ScaleControl, type FilterSpecification, type GeoJSONSource, type LngLat, type LngLatBoundsLike } from 'maplibre-gl';
import type { SearchHit } from './api.js';
import { h } from './dom.js';
import { formatNumber, t } from './i18n.js';
import type { Bubble } from './clusters.js';
import { mapLabels } from './labels.js';
import { graveOf } from './results.js';
import type { MapView } from './state.js';

/** Vietnam whole, Hoàng Sa and Trường Sa included: the first view when the URL has none. */
const VIETNAM: LngLatBoundsLike = [[102.1, 7.4], [116.2, 23.4]];
const BASEMAP_REGION: LngLatBoundsLike = [[86, -6], [130, 32]];
/** The zoom a selected grave is shown at: single graves are drawn from 15. */
export const GRAVE_ZOOM = 17;

const NOTHING: FilterSpecification = ['boolean', false];
const byId = (id: number): FilterSpecification => ['==', ['id'], id];

export type MapHandlers = {
  /** The view changed (after the person or the page moved it). */
  onMove(view: MapView): void;
  onGrave(graveId: number): void;
  onResult(index: number): void;
  onOnlyCemetery(cemetery: { id: number; name: string }): void;
};

type Options = {
  container: HTMLElement;
  styleUrl: string;
  view: MapView | null;
  oldProvinces: boolean;
  handlers: MapHandlers;
  /** The page's own elements that may lie over the map (options, legend, a phone's sheet). */
  covers?: () => Element[];
};

/** Starts the map; throws when the browser cannot (no WebGL 2), which the page reports. */
export function createMap({ container, styleUrl, view, oldProvinces, handlers, covers }: Options) {
  const map = new MapLibreMap({
    container,
    style: styleUrl,
    ...(view ? { center: [view.lng, view.lat], zoom: view.zoom } : { bounds: VIETNAM, fitBoundsOptions: { padding: 10 } }),
    // The offline basemap covers this much (BASEMAP_BOUNDS in server/tiles/tile-layers.ts): beyond
    // it the neighbours end in straight cuts, so the view stays inside.
    maxBounds: BASEMAP_REGION,
    minZoom: 3,
    maxZoom: 20,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    attributionControl: false,
    locale: {
      'Map.Title': t('map.canvas'),
      'NavigationControl.ZoomIn': t('map.zoomIn'),
      'NavigationControl.ZoomOut': t('map.zoomOut'),
      'NavigationControl.ResetBearing': t('map.resetBearing'),
      'Popup.Close': t('map.close'),
      'AttributionControl.ToggleAttribution': t('map.attribution'),
    },
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');

  let old = oldProvinces;
  let hovered: { index: number | null; grave: number | null } = { index: null, grave: null };
  let selected: { grave: number | null; location: { lat: number; lng: number } | null } = { grave: null, location: null };
  let popup: Popup | null = null;

  const ready = new Promise<void>((resolve) => map.once('load', () => resolve()));
  const labels = ready.then(() =>
    mapLabels(map, {
      oldProvinces: () => old,
      covers: () => [...container.querySelectorAll('.maplibregl-ctrl'), ...(covers?.() ?? [])],
    }),
  );

  function applyProvinces() {
    map.setLayoutProperty('province-lines', 'visibility', old ? 'none' : 'visible');
    map.setLayoutProperty('province-lines-2024', 'visibility', old ? 'visible' : 'none');
    map.setLayoutProperty('district-lines-2024', 'visibility', old ? 'visible' : 'none');
    void labels.then((l) => l.invalidate());
  }

  function applyHighlights() {
    map.setFilter('results-active', hovered.index === null ? NOTHING : ['==', ['get', 'index'], hovered.index]);
    map.setFilter('graves-hover', hovered.grave === null ? NOTHING : byId(hovered.grave));
    map.setFilter('graves-selected', selected.grave === null ? NOTHING : byId(selected.grave));
    (map.getSource('selection') as GeoJSONSource).setData({
      type: 'FeatureCollection',
      features: selected.location
        ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [selected.location.lng, selected.location.lat] } }]
        : [],
    });
  }

  void ready.then(() => {
    applyProvinces();
    applyHighlights();
    const pointer = (layer: string) => {
      map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
    };
    ['graves', 'cemetery-points', 'results'].forEach(pointer);
    // The count bubbles are drawn over the canvas by labels.ts (merged so they never overlap):
    // they are hit-tested there, in screen pixels, not through the style's (invisible) layer.
    map.on('mousemove', (event) => {
      void labels.then((l) => {
        if (l.bubbleAt(event.point.x, event.point.y)) map.getCanvas().style.cursor = 'pointer';
        else if (!map.queryRenderedFeatures(event.point, { layers: ['graves', 'cemetery-points', 'results'] }).length) map.getCanvas().style.cursor = '';
      });
    });

    map.on('click', (event) => {
      // The most specific thing under the pointer wins: a grave, a result, a cemetery, a count.
      const [feature] = map.queryRenderedFeatures(event.point, { layers: ['graves', 'results', 'cemetery-points'] });
      const layer = feature?.layer.id;
      if (feature && layer === 'graves' && typeof feature.id === 'number') handlers.onGrave(feature.id);
      else if (feature && layer === 'results') handlers.onResult(Number(feature.properties.index));
      else if (feature && layer === 'cemetery-points') showCemetery(feature.id as number, feature.properties, event.lngLat);
      else void labels.then((l) => {
        const bubble = l.bubbleAt(event.point.x, event.point.y);
        if (bubble) openBubble(bubble, event.lngLat);
      });
    });
  });

  function openBubble(bubble: Bubble, at: LngLat) {
    const [only] = bubble.members;
    if (bubble.members.length === 1 && only?.level === 'cemetery') {
      // A cemetery's bubble is the cemetery: the same card as its point.
      showCemetery(Number(only.key.replace(/^cemetery:/, '')), { name: only.name, identified: only.total - only.unidentified, unidentified: only.unidentified }, at);
    } else if (bubble.members.length === 1 && only?.level === 'province') {
      map.flyTo({ center: bubble.lngLat, zoom: 9 });
    } else {
      // Several places in one bubble, or a grid cell: closer, where they come apart.
      map.flyTo({ center: bubble.lngLat, zoom: Math.min(map.getZoom() + 2, 16) });
    }
  }

  function showCemetery(id: number, properties: Record<string, unknown>, at: LngLat) {
    const name = String(properties.name ?? '');
    const only = h('button', { type: 'button', class: 'secondary' }, t('map.onlyCemetery'));
    only.addEventListener('click', () => {
      popup?.remove();
      handlers.onOnlyCemetery({ id, name });
    });
    const zoom = h('button', { type: 'button', class: 'secondary' }, t('map.zoomToCemetery'));
    zoom.addEventListener('click', () => {
      popup?.remove();
      map.flyTo({ center: at, zoom: 16 });
    });
    const content = h(
      'div',
      { class: 'cemetery-popup' },
      h('h2', {}, name),
      h('p', {}, t('map.cemeteryGraves', { identified: formatNumber(Number(properties.identified ?? 0)), unidentified: formatNumber(Number(properties.unidentified ?? 0)) })),
      h('p', {}, h('a', { href: `/nghia-trang/${id}` }, t('map.openCemetery'))),
      h('p', { class: 'popup-actions' }, zoom, only),
    );
    popup?.remove();
    popup = new Popup({ maxWidth: '18rem', focusAfterOpen: true }).setLngLat(at).setDOMContent(content).addTo(map);
  }

  map.on('moveend', () => handlers.onMove(currentView()));

  function currentView(): MapView {
    const center = map.getCenter();
    return { zoom: map.getZoom(), lat: center.lat, lng: center.lng };
  }

  return {
    ready,
    currentView,
    /** The visible area as /api/search's bbox: minLng,minLat,maxLng,maxLat. */
    bbox(): string {
      const b = map.getBounds();
      const clamp = (v: number, limit: number) => Math.max(-limit, Math.min(limit, v)).toFixed(5);
      return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(',');
    },
    async setResults(hits: SearchHit[]) {
      await ready;
      void labels.then((l) => l.dim(hits.some((hit) => hit.location)));
      (map.getSource('results') as GeoJSONSource).setData({
        type: 'FeatureCollection',
        features: hits.flatMap((hit, index) =>
          hit.location ? [{ type: 'Feature' as const, properties: { index, grave: graveOf(hit) ?? 0 }, geometry: { type: 'Point' as const, coordinates: [hit.location.lng, hit.location.lat] } }] : [],
        ),
      });
    },
    /** Brings every located result into view (after a new search the person typed). */
    fitResults(hits: SearchHit[]) {
      const located = hits.filter((hit) => hit.location);
      if (!located.length) return;
      const bounds = new LngLatBounds();
      for (const hit of located) bounds.extend([hit.location!.lng, hit.location!.lat]);
      map.fitBounds(bounds, { padding: 60, maxZoom: located.length === 1 ? GRAVE_ZOOM : 14, duration: 600 });
    },
    async hover(index: number | null, grave: number | null) {
      hovered = { index, grave };
      await ready;
      applyHighlights();
    },
    async select(grave: number | null, location: { lat: number; lng: number } | null) {
      selected = { grave, location };
      await ready;
      applyHighlights();
    },
    /**
     * Flies to a place; when `covered` (a panel over the map, in page coordinates) would hide the
     * middle of the map, the place is put in the middle of the largest part left uncovered.
     */
    flyTo(location: { lat: number; lng: number }, zoom = GRAVE_ZOOM, covered?: DOMRect | null) {
      // The page may have just resized the map (a phone's card or sheet): measure it before aiming.
      map.resize();
      // Not `essential`: with prefers-reduced-motion the map jumps instead of flying.
      map.flyTo({ center: [location.lng, location.lat], zoom: Math.max(zoom, map.getZoom()), offset: covered ? offsetBeside(container.getBoundingClientRect(), covered) : [0, 0] });
    },
    resize() {
      map.resize();
    },
    jumpTo(view: MapView) {
      map.jumpTo({ center: [view.lng, view.lat], zoom: view.zoom });
    },
    async setOldProvinces(value: boolean) {
      old = value;
      await ready;
      applyProvinces();
    },
  };
}

export type MapController = ReturnType<typeof createMap>;

/** The offset from the map's middle to the middle of its largest part that `covered` leaves free. */
export function offsetBeside(map: DOMRect, covered: DOMRect): [number, number] {
  const [cx, cy] = [map.width / 2, map.height / 2];
  const box = { left: covered.left - map.left, right: covered.right - map.left, top: covered.top - map.top, bottom: covered.bottom - map.top };
  if (cx < box.left || cx > box.right || cy < box.top || cy > box.bottom) return [0, 0];
  const free = [
    { area: Math.max(0, box.left) * map.height, x: box.left / 2, y: cy },
    { area: Math.max(0, map.width - box.right) * map.height, x: (box.right + map.width) / 2, y: cy },
    { area: Math.max(0, box.top) * map.width, x: cx, y: box.top / 2 },
    { area: Math.max(0, map.height - box.bottom) * map.width, x: cx, y: (box.bottom + map.height) / 2 },
  ].sort((a, b) => b.area - a.area)[0]!;
  return [Math.round(free.x - cx), Math.round(free.y - cy)];
}
