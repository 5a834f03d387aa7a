/**
 * The grave's position on the staff page: a map of the cemetery (the portal's own style and tiles)
 * with a marker to drag onto the headstone. Dragging fills the latitude and longitude fields;
 * typing them moves the marker; a position outside the cemetery's boundary shows a warning (the
 * server saves it all the same, and records it). Without JavaScript or WebGL the fields remain.
 */
import { Map as MapLibreMap, Marker, NavigationControl } from 'maplibre-gl';
import { booleanPointInPolygon } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';

const box = document.getElementById('position-map');
const lat = document.getElementById('grave-lat') as HTMLInputElement | null;
const lng = document.getElementById('grave-lng') as HTMLInputElement | null;
const status = document.getElementById('position-status');

function start(container: HTMLElement, latInput: HTMLInputElement, lngInput: HTMLInputElement): void {
  const data = container.dataset;
  const boundary = data.boundary ? (JSON.parse(data.boundary) as Polygon | MultiPolygon) : null;
  const initial: [number, number] = [Number(lngInput.value || data.lng), Number(latInput.value || data.lat)];
  if (!Number.isFinite(initial[0]) || !Number.isFinite(initial[1])) return;

  const map = new MapLibreMap({ container, style: data.style ?? '/ban-do/style.json', center: initial, zoom: 18, maxZoom: 22, attributionControl: false });
  map.addControl(new NavigationControl({ showCompass: false }));
  const marker = new Marker({ draggable: true, color: '#8a1c1c' }).setLngLat(initial).addTo(map);
  marker.getElement().setAttribute('aria-label', data.markerLabel ?? '');

  const check = (point: [number, number]) => {
    if (!status || !boundary) return;
    const outside = !booleanPointInPolygon(point, boundary);
    status.textContent = outside ? (data.outside ?? '') : (data.inside ?? '');
    status.classList.toggle('warning', outside);
  };

  marker.on('dragend', () => {
    const { lat: y, lng: x } = marker.getLngLat();
    latInput.value = y.toFixed(7);
    lngInput.value = x.toFixed(7);
    check([x, y]);
  });
  const follow = () => {
    const point: [number, number] = [Number(lngInput.value), Number(latInput.value)];
    if (!Number.isFinite(point[0]) || !Number.isFinite(point[1]) || Math.abs(point[1]) > 90 || Math.abs(point[0]) > 180) return;
    marker.setLngLat(point);
    map.easeTo({ center: point });
    check(point);
  };
  latInput.addEventListener('change', follow);
  lngInput.addEventListener('change', follow);
  map.on('load', () => {
    container.dataset.ready = 'true';
    if (boundary) {
      map.addSource('upkeep-boundary', { type: 'geojson', data: { type: 'Feature', properties: {}, geometry: boundary } });
      map.addLayer({ id: 'upkeep-boundary', type: 'line', source: 'upkeep-boundary', paint: { 'line-color': '#8a1c1c', 'line-width': 2, 'line-dasharray': [2, 1] } });
    }
  });
}

if (box && lat && lng) {
  try {
    start(box, lat, lng);
  } catch {
    // No WebGL: the fields and "use my position" still work.
    box.hidden = true;
  }
}
