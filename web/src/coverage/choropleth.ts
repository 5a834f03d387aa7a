/**
 * The coverage page's map: the portal's own style and tiles (the basemap's province polygons, the
 * cemetery points), with the areas coloured by the server (one colour per area code, chosen with the
 * legend). Only what the choropleth needs is kept of the style: land, neighbours, water, province
 * lines and the coloured layer. Hovering or focusing an area names it with its value; selecting it
 * opens its page of charts. Without JavaScript or WebGL the table beside it holds every figure.
 */
import { Map as MapLibreMap, NavigationControl, type MapGeoJSONFeature, type StyleSpecification, type LayerSpecification, type ExpressionSpecification } from 'maplibre-gl';

type Level = 'province' | 'old_province' | 'cemetery';
type MapData = {
  level: Level;
  /** Colour → the areas drawn in it. */
  colours: Record<string, string[]>;
  /** Area → its value as the page writes it. */
  labels: Record<string, string>;
  noData: string;
  bounds: [number, number, number, number] | null;
};

const VIETNAM: [number, number, number, number] = [102.1, 8.3, 109.8, 23.4];
const LEVEL_PATHS: Record<Level, string> = { province: 'tinh', old_province: 'tinh-2008', cemetery: 'nghia-trang' };
/** Layers of the public map that the choropleth does not draw (graves, search results, selections). */
const DROPPED_SOURCES = new Set(['graves', 'results', 'selection']);

const box = document.getElementById('coverage-map');
const tip = document.getElementById('coverage-tip');

function colourExpression(data: MapData, key: ExpressionSpecification, numeric: boolean): ExpressionSpecification | string {
  const pairs = Object.entries(data.colours).flatMap(([colour, areas]) => [numeric ? areas.map(Number) : areas, colour]);
  // Outside the scope: transparent, the land shows through.
  if (!pairs.length) return 'rgba(0,0,0,0)';
  return ['match', key, ...pairs, 'rgba(0,0,0,0)'] as unknown as ExpressionSpecification;
}

function styleFor(base: StyleSpecification, data: MapData): StyleSpecification {
  const layers = base.layers.filter((l) => {
    const source = (l as { source?: string }).source;
    return !(source && DROPPED_SOURCES.has(source)) && !l.id.startsWith('cemetery-');
  });
  const old = data.level === 'old_province';
  for (const l of layers) {
    if (l.id === 'province-lines') l.layout = { ...l.layout, visibility: old ? 'none' : 'visible' };
    if (l.id === 'province-lines-2024') l.layout = { ...l.layout, visibility: old ? 'visible' : 'none' };
    if (l.id === 'district-lines-2024') l.layout = { ...l.layout, visibility: 'none' };
  }
  const coloured: LayerSpecification[] =
    data.level === 'cemetery'
      ? [
          {
            id: 'coverage-cemeteries',
            type: 'circle',
            source: 'cemeteries',
            'source-layer': 'cemeteries',
            filter: ['in', ['id'], ['literal', Object.keys(data.labels).map(Number)]],
            paint: {
              'circle-color': colourExpression(data, ['id'], true),
              'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 3, 8, 6, 12, 9],
              'circle-stroke-color': '#333333',
              'circle-stroke-width': 1,
            },
          },
        ]
      : [
          {
            id: 'coverage-areas',
            type: 'fill',
            source: 'basemap',
            'source-layer': old ? 'provinces-2024' : 'provinces',
            paint: { 'fill-color': colourExpression(data, ['get', 'code'], false), 'fill-opacity': 0.9 },
          },
        ];
  // Under the province lines, so every border stays drawn over the colours; cemetery points on top.
  const at = data.level === 'cemetery' ? layers.length : layers.findIndex((l) => l.id === 'district-lines-2024');
  layers.splice(at === -1 ? layers.length : at, 0, ...coloured);
  return { ...base, layers };
}

function areaOf(feature: MapGeoJSONFeature, level: Level): string | undefined {
  if (level === 'cemetery') return feature.id === undefined ? undefined : String(feature.id);
  const code = feature.properties?.code;
  return typeof code === 'string' ? code : undefined;
}

async function start(container: HTMLElement): Promise<void> {
  const data = JSON.parse(document.getElementById('coverage-map-data')?.textContent ?? '{}') as MapData;
  const response = await fetch(container.dataset.style ?? '/ban-do/style.json', { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`style: ${response.status}`);
  const style = styleFor((await response.json()) as StyleSpecification, data);
  const bounds = data.bounds ?? VIETNAM;
  const map = new MapLibreMap({ container, style, bounds, fitBoundsOptions: { padding: 16 }, maxZoom: 14, attributionControl: false, dragRotate: false, pitchWithRotate: false });
  map.addControl(new NavigationControl({ showCompass: false }));
  map.touchZoomRotate.disableRotation();
  const layer = data.level === 'cemetery' ? 'coverage-cemeteries' : 'coverage-areas';

  // The line keeps its height whether it says something or not: the table below never jumps.
  const show = (area: string | undefined, name: string | undefined) => {
    const value = area ? data.labels[area] : undefined;
    if (tip) tip.textContent = value && name ? `${name}: ${value}` : '';
  };
  const nameOf = (feature: MapGeoJSONFeature | undefined) => (typeof feature?.properties?.name === 'string' ? feature.properties.name : undefined);
  map.on('mousemove', layer, (e) => {
    const area = e.features?.[0] ? areaOf(e.features[0], data.level) : undefined;
    map.getCanvas().style.cursor = area && data.labels[area] ? 'pointer' : '';
    show(area, nameOf(e.features?.[0]));
  });
  map.on('mouseleave', layer, () => {
    map.getCanvas().style.cursor = '';
    show(undefined, undefined);
  });
  map.on('click', layer, (e) => {
    const area = e.features?.[0] ? areaOf(e.features[0], data.level) : undefined;
    if (area && data.labels[area]) window.location.assign(`/quan-ly/tong-quan/${LEVEL_PATHS[data.level]}/${encodeURIComponent(area)}`);
  });
  // The table's rows name the same areas: pointing at one shows it on the map's line of text.
  document.querySelectorAll<HTMLElement>('tr[data-area]').forEach((row) => {
    row.addEventListener('mouseenter', () => show(row.dataset.area, row.dataset.name));
    row.addEventListener('mouseleave', () => show(undefined, undefined));
  });
  map.on('idle', () => {
    container.dataset.ready = 'true';
  });
}

if (box) {
  start(box).catch(() => {
    // No WebGL or no style: the table holds every figure.
    box.hidden = true;
  });
}
