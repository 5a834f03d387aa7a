import { cemeteryUrl } from '../records/urls.js';
import type { CemeteryRow } from './cemeteries.queries.js';

export function publicCemetery(row: CemeteryRow) {
  const identified = Number(row.graves_identified);
  const partial = Number(row.graves_partial);
  const unknown = Number(row.graves_unknown);
  return {
    id: Number(row.id),
    name: row.name,
    level: row.level,
    address: row.address,
    description: row.description,
    province: { code: row.province_code, name: row.province_name },
    provinceBefore2025: row.old_province_name,
    location: { lat: Number(row.lat), lng: Number(row.lng) },
    locationPrecision: row.location_precision,
    // What a visit needs, where the management board has said (null until it has).
    visit: {
      boardPhone: row.board_phone,
      openingHours: row.opening_hours,
      gate: row.gate_lat === null || row.gate_lng === null ? null : { lat: Number(row.gate_lat), lng: Number(row.gate_lng) },
    },
    ...(row.boundary ? { boundary: JSON.parse(row.boundary) as unknown } : {}),
    graves: { total: identified + partial + unknown, identified, partial, unknown },
    url: cemeteryUrl(row.id, row.name),
  };
}
