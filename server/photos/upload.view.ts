/** Uploads and their proposed graves as the review screen and the JSON answer show them. */
import { translate, type Locale } from '../i18n/messages.js';
import { localDateTime } from '../views/local-time.js';
import { graveUrl, photoUrl, plotLabel } from '../records/urls.js';
import type { GraveSummary, ProposalRow, UploadRow } from './uploads.queries.js';

/** Photos are taken in Vietnam; their times are shown on Vietnam's clock (dd/mm/yyyy hh:mm) in either language. */
export function formatTime(value: Date | null, _locale: Locale): string | null {
  return value ? localDateTime(value) : null;
}

export const stagingUrl = (uploadId: number, size: 'thumb' | 'page' | 'full') => `/quan-ly/anh/tai-len/${uploadId}/${size}`;
export const graveStaffUrl = (graveId: number) => `/quan-ly/mo/${graveId}`;

/** The first lines of an inscription, for recognising a stone. */
const inscriptionStart = (text: string | null) => (text ? text.split('\n').filter(Boolean).slice(0, 3).join(' · ') : null);

export function graveView(g: GraveSummary, locale: Locale) {
  return {
    graveId: g.grave_id,
    cemeteryId: g.cemetery_id,
    cemetery: g.cemetery_name,
    label: plotLabel(g.section_kind, g.section_code, g.row_label, g.plot_number) ?? translate(locale, 'upkeep.grave.noPlot', { id: g.grave_id }),
    who: g.names ?? g.known_name ?? translate(locale, `upkeep.state.${g.state}`),
    inscription: inscriptionStart(g.inscription),
    hasPhoto: g.current_thumb_key !== null,
    currentThumbUrl: photoUrl(g.current_thumb_key),
    staffUrl: graveStaffUrl(g.grave_id),
    publicUrl: graveUrl(g.grave_id),
  };
}

/** "<1", "2.1", "14": a tenth of a metre matters between neighbouring graves, not beyond ten metres. */
const distanceText = (m: number) => (m < 1 ? '<1' : m < 10 ? m.toFixed(1) : String(Math.round(m)));

export type UploadView = ReturnType<typeof uploadView>;

export function uploadView(u: UploadRow, proposals: ProposalRow[], locale: Locale) {
  const mine = proposals.filter((p) => p.upload_id === u.id);
  return {
    id: u.id,
    name: u.original_name,
    thumbUrl: stagingUrl(u.id, 'thumb'),
    // The thumbnail's own size (its longer side is 320 px), so the page does not jump as it loads.
    thumbWidth: Math.round((u.width * 320) / Math.max(u.width, u.height, 320)),
    thumbHeight: Math.round((u.height * 320) / Math.max(u.width, u.height, 320)),
    pageUrl: stagingUrl(u.id, 'page'),
    takenAt: u.taken_at?.toISOString() ?? null,
    takenAtText: formatTime(u.taken_at, locale),
    position: u.latitude !== null && u.longitude !== null
      ? { latitude: u.latitude, longitude: u.longitude, accuracyM: u.accuracy_m === null ? null : Math.round(u.accuracy_m), direction: u.direction === null ? null : Math.round(u.direction) }
      : null,
    width: u.width,
    height: u.height,
    assigned: u.assigned_photo_id !== null ? { photoId: u.assigned_photo_id, graveId: u.assigned_grave_id, staffUrl: graveStaffUrl(u.assigned_grave_id!), publicUrl: graveUrl(u.assigned_grave_id!) } : null,
    proposals: mine.map((p, i) => ({ ...graveView(p, locale), distanceM: Math.round(p.distance_m * 10) / 10, distanceText: distanceText(p.distance_m), nearest: i === 0 })),
  };
}
