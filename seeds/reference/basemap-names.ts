/**
 * The names the offline basemap writes around Vietnam: the neighbours (keyed by their Natural
 * Earth name), the seas and the two archipelagos, in Vietnamese and English, at hand-picked points
 * inside each (a neighbour's own centre is often off screen; these sit near Vietnam). Countries
 * are spelt as Vietnam's foreign ministry writes them ("Mi-an-ma", "Phi-líp-pin").
 */

import { BASEMAP_BOUNDS } from '../../server/tiles/tile-layers.js';

/** What the basemap covers, west, south, east, north. */
export const BASEMAP_REGION = BASEMAP_BOUNDS;

type Neighbour = { code: string; vi: string; en: string; label?: [number, number] };

export const NEIGHBOURS: Record<string, Neighbour> = {
  Laos: { code: 'LA', vi: 'Lào', en: 'Laos', label: [103.2, 19.3] },
  Cambodia: { code: 'KH', vi: 'Campuchia', en: 'Cambodia', label: [104.9, 12.7] },
  China: { code: 'CN', vi: 'Trung Quốc', en: 'China', label: [109.8, 23.3] },
  Thailand: { code: 'TH', vi: 'Thái Lan', en: 'Thailand', label: [101.0, 15.8] },
  Myanmar: { code: 'MM', vi: 'Mi-an-ma', en: 'Myanmar', label: [96.5, 21.5] },
  Malaysia: { code: 'MY', vi: 'Ma-lai-xi-a', en: 'Malaysia', label: [102.2, 4.3] },
  Indonesia: { code: 'ID', vi: 'In-đô-nê-xi-a', en: 'Indonesia', label: [113.5, 0.2] },
  Philippines: { code: 'PH', vi: 'Phi-líp-pin', en: 'Philippines', label: [121.0, 16.2] },
  Brunei: { code: 'BN', vi: 'Bru-nây', en: 'Brunei' },
  Singapore: { code: 'SG', vi: 'Xin-ga-po', en: 'Singapore' },
  India: { code: 'IN', vi: 'Ấn Độ', en: 'India', label: [93.6, 25.6] },
  Bangladesh: { code: 'BD', vi: 'Băng-la-đét', en: 'Bangladesh', label: [90.3, 23.9] },
  Bhutan: { code: 'BT', vi: 'Bu-tan', en: 'Bhutan' },
  Taiwan: { code: 'TW', vi: 'Đài Loan', en: 'Taiwan' },
  'Hong Kong': { code: 'HK', vi: 'Hồng Kông', en: 'Hong Kong' },
  Macao: { code: 'MO', vi: 'Ma Cao', en: 'Macao' },
};

export type NamedPoint = { key: string; kind: 'country' | 'sea' | 'islands'; vi: string; en: string; at: [number, number] };

/**
 * Hoàng Sa and Trường Sa are Vietnam's (special zones of Đà Nẵng and Khánh Hòa since 2025), named
 * as every Vietnamese state map names them.
 */
export const NAMED_POINTS: NamedPoint[] = [
  { key: 'islands:hoang-sa', kind: 'islands', vi: 'Quần đảo Hoàng Sa', en: 'Hoàng Sa Archipelago', at: [111.95, 16.45] },
  { key: 'islands:truong-sa', kind: 'islands', vi: 'Quần đảo Trường Sa', en: 'Trường Sa Archipelago', at: [114.2, 9.9] },
  { key: 'sea:bien-dong', kind: 'sea', vi: 'Biển Đông', en: 'East Sea', at: [113.6, 13.6] },
  { key: 'sea:vinh-bac-bo', kind: 'sea', vi: 'Vịnh Bắc Bộ', en: 'Gulf of Tonkin', at: [107.9, 20.1] },
  { key: 'sea:vinh-thai-lan', kind: 'sea', vi: 'Vịnh Thái Lan', en: 'Gulf of Thailand', at: [101.9, 10.2] },
  ...Object.values(NEIGHBOURS).flatMap((n): NamedPoint[] => (n.label ? [{ key: `country:${n.code}`, kind: 'country', vi: n.vi, en: n.en, at: n.label }] : [])),
];
