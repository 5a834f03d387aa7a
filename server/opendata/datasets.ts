/**
 * The downloadable data sets, each column once: its SQL expression over the public views, its
 * type, and its meaning in Vietnamese and English. The CSV and GeoJSON queries and the data
 * dictionary are all built from these lists, so a column cannot be in a file and missing from the
 * dictionary. Boundaries are in no file until their licence is cleared (seeds/data/SOURCES.md).
 */
export type DatasetId = 'cemeteries' | 'graves' | 'martyrs';
export type Format = 'csv' | 'geojson' | 'geojsonl' | 'gpkg';

export type Column = { name: string; sql: string; type: 'integer' | 'text' | 'number' | 'boolean' | 'date' | 'datetime' | 'partial date'; vi: string; en: string };

export type Dataset = {
  id: DatasetId;
  title: { vi: string; en: string };
  description: { vi: string; en: string };
  /** FROM … for the rows; `:province` marks where a province file narrows it. */
  from: string;
  provinceCondition: string;
  order: string;
  geometry: string;
  columns: Column[];
  formats: Format[];
};

const url = (path: string) => `:base || ${path}`;

export const DATASETS: Record<DatasetId, Dataset> = {
  cemeteries: {
    id: 'cemeteries',
    title: { vi: 'Nghĩa trang liệt sĩ', en: "Martyrs' cemeteries" },
    description: { vi: 'Mọi nghĩa trang liệt sĩ: tên, cấp, địa chỉ, tỉnh, vị trí.', en: "Every martyrs' cemetery: name, level, address, province, position." },
    from: `cemeteries c JOIN provinces p ON p.code = c.province_code LEFT JOIN old_provinces op ON op.code = c.old_province_code`,
    provinceCondition: 'c.province_code = :province',
    order: 'c.id',
    geometry: 'c.location',
    formats: ['csv', 'geojson', 'gpkg'],
    columns: [
      { name: 'id', sql: 'c.id', type: 'integer', vi: 'Mã nghĩa trang trên cổng (ổn định)', en: 'Cemetery id on the portal (stable)' },
      { name: 'name', sql: 'c.name', type: 'text', vi: 'Tên nghĩa trang', en: 'Name of the cemetery' },
      { name: 'level', sql: 'c.level', type: 'text', vi: 'Cấp quản lý: national (quốc gia), province (tỉnh), district (huyện), commune (xã)', en: 'Level that runs it: national, province, district or commune' },
      { name: 'address', sql: 'c.address', type: 'text', vi: 'Địa chỉ', en: 'Address' },
      { name: 'province_code', sql: 'c.province_code', type: 'text', vi: 'Mã tỉnh hiện nay (34 tỉnh, từ 1/7/2025)', en: 'Code of the current province (the 34 since 1 July 2025)' },
      { name: 'province_name', sql: 'p.name', type: 'text', vi: 'Tên tỉnh hiện nay', en: 'Name of the current province' },
      { name: 'old_province_code', sql: 'c.old_province_code', type: 'text', vi: 'Mã tỉnh trước 1/7/2025 (63 tỉnh)', en: 'Code of the province before 1 July 2025 (the 63)' },
      { name: 'old_province_name', sql: 'op.name', type: 'text', vi: 'Tên tỉnh trước 1/7/2025', en: 'Name of the province before 1 July 2025' },
      { name: 'commune_code', sql: 'c.commune_code', type: 'text', vi: 'Mã xã, phường hiện nay', en: 'Code of the current commune' },
      { name: 'latitude', sql: 'round(ST_Y(c.location)::numeric, 7)', type: 'number', vi: 'Vĩ độ (WGS84)', en: 'Latitude (WGS84)' },
      { name: 'longitude', sql: 'round(ST_X(c.location)::numeric, 7)', type: 'number', vi: 'Kinh độ (WGS84)', en: 'Longitude (WGS84)' },
      { name: 'location_precision', sql: 'c.location_precision', type: 'text', vi: 'Độ chính xác của vị trí: surveyed (đo đạc), approximate (gần đúng), generated (dữ liệu mẫu)', en: 'How well the position is known: surveyed, approximate, generated (demo data)' },
      { name: 'url', sql: url(`'/nghia-trang/' || c.id`), type: 'text', vi: 'Trang của nghĩa trang trên cổng', en: "The cemetery's page on the portal" },
    ],
  },
  graves: {
    id: 'graves',
    title: { vi: 'Mộ liệt sĩ', en: "Martyrs' graves" },
    description: {
      vi: 'Mọi phần mộ: vị trí, lô/hàng/mộ số, tình trạng, bia mộ (trừ khi phải giữ kín), các liệt sĩ công khai an táng tại đó.',
      en: 'Every grave: position, plot, state, headstone (unless withheld), the public martyrs buried there.',
    },
    from: `public_graves g
      JOIN cemeteries c ON c.id = g.cemetery_id
      JOIN provinces p ON p.code = c.province_code
      LEFT JOIN cemetery_sections s ON s.id = g.section_id
      LEFT JOIN LATERAL (
        SELECT string_agg(m.id::text, ';' ORDER BY m.id) AS ids, string_agg(m.full_name, '; ' ORDER BY m.id) AS names
        FROM public_martyrs m WHERE m.grave_id = g.id
      ) pm ON true`,
    provinceCondition: 'c.province_code = :province',
    order: 'g.id',
    geometry: 'COALESCE(g.position, c.location)',
    formats: ['csv', 'geojsonl'],
    columns: [
      { name: 'id', sql: 'g.id', type: 'integer', vi: 'Mã phần mộ trên cổng (ổn định)', en: 'Grave id on the portal (stable)' },
      { name: 'cemetery_id', sql: 'g.cemetery_id', type: 'integer', vi: 'Mã nghĩa trang (cột id của tệp nghĩa trang)', en: 'Cemetery id (the id column of the cemeteries file)' },
      { name: 'cemetery_name', sql: 'c.name', type: 'text', vi: 'Tên nghĩa trang', en: 'Name of the cemetery' },
      { name: 'province_code', sql: 'c.province_code', type: 'text', vi: 'Mã tỉnh hiện nay của nghĩa trang', en: "Code of the cemetery's current province" },
      { name: 'province_name', sql: 'p.name', type: 'text', vi: 'Tên tỉnh hiện nay', en: 'Name of the current province' },
      { name: 'section', sql: 's.code', type: 'text', vi: 'Khu hoặc lô', en: 'Section (khu) or lot (lô)' },
      { name: 'row', sql: 'g.row_label', type: 'text', vi: 'Hàng', en: 'Row' },
      { name: 'plot_number', sql: 'g.plot_number', type: 'text', vi: 'Mộ số', en: 'Plot number' },
      { name: 'state', sql: 'g.state', type: 'text', vi: 'identified: đã xác định danh tính; partial: bia có một phần thông tin; unknown: mộ chưa biết tên', en: 'identified: the martyr is known; partial: the headstone carries some information; unknown: an unidentified grave' },
      { name: 'is_collective', sql: 'g.is_collective', type: 'boolean', vi: 'Mộ tập thể (nhiều liệt sĩ)', en: 'A collective grave (several martyrs)' },
      { name: 'latitude', sql: 'round(ST_Y(COALESCE(g.position, c.location))::numeric, 7)', type: 'number', vi: 'Vĩ độ (WGS84); là vị trí nghĩa trang khi mộ chưa được định vị', en: "Latitude (WGS84); the cemetery's when the grave has no position of its own" },
      { name: 'longitude', sql: 'round(ST_X(COALESCE(g.position, c.location))::numeric, 7)', type: 'number', vi: 'Kinh độ (WGS84)', en: 'Longitude (WGS84)' },
      { name: 'position_approximate', sql: 'g.position IS NULL', type: 'boolean', vi: 'Vị trí là của nghĩa trang, không phải của phần mộ', en: "The position is the cemetery's, not the grave's" },
      { name: 'inscription', sql: 'g.inscription', type: 'text', vi: 'Chữ trên bia mộ (để trống khi phải giữ kín)', en: 'What the headstone says (empty where withheld)' },
      { name: 'known_name', sql: 'g.known_name', type: 'text', vi: 'Tên ghi trên bia của mộ có một phần thông tin', en: 'The name a partial headstone gives' },
      { name: 'known_unit', sql: 'g.known_unit', type: 'text', vi: 'Đơn vị ghi trên bia', en: 'The unit the headstone gives' },
      { name: 'known_hometown', sql: 'g.known_hometown', type: 'text', vi: 'Quê quán ghi trên bia', en: 'The hometown the headstone gives' },
      { name: 'known_place_of_death', sql: 'g.known_place_of_death', type: 'text', vi: 'Nơi hy sinh ghi trên bia', en: 'The place of death the headstone gives' },
      { name: 'known_death_date', sql: `concat_ws('-', g.known_death_year, lpad(g.known_death_month::text, 2, '0'), lpad(g.known_death_day::text, 2, '0'))`, type: 'partial date', vi: 'Ngày hy sinh ghi trên bia: 1968, 1968-05 hoặc 1968-05-12', en: 'Date of death the headstone gives: 1968, 1968-05 or 1968-05-12' },
      { name: 'martyr_ids', sql: 'pm.ids', type: 'text', vi: 'Mã các liệt sĩ công khai an táng tại mộ, cách nhau bởi ;', en: 'Ids of the public martyrs buried here, separated by ;' },
      { name: 'martyr_names', sql: 'pm.names', type: 'text', vi: 'Họ tên các liệt sĩ đó, cách nhau bởi ; ', en: 'Their names, separated by ; ' },
      { name: 'url', sql: url(`'/mo/' || g.id`), type: 'text', vi: 'Trang của phần mộ trên cổng', en: "The grave's page on the portal" },
    ],
  },
  martyrs: {
    id: 'martyrs',
    title: { vi: 'Liệt sĩ', en: 'Martyrs' },
    description: {
      vi: 'Hồ sơ liệt sĩ công khai: họ tên, bí danh, ngày sinh, ngày hy sinh (có thể chỉ có năm), quê quán, đơn vị, nơi an táng.',
      en: 'Public martyr records: name, aliases, birth and death dates (often only a year), hometown, unit, burial place.',
    },
    from: `public_martyrs m
      LEFT JOIN public_graves g ON g.id = m.grave_id
      LEFT JOIN cemeteries c ON c.id = g.cemetery_id`,
    // A province's file: the martyrs buried in it and those from it.
    provinceCondition: '(c.province_code = :province OR m.hometown_province_code = :province)',
    order: 'm.id',
    geometry: 'COALESCE(g.position, c.location)',
    formats: ['csv', 'geojsonl'],
    columns: [
      { name: 'id', sql: 'm.id', type: 'integer', vi: 'Mã liệt sĩ trên cổng (ổn định)', en: 'Martyr id on the portal (stable)' },
      { name: 'full_name', sql: 'm.full_name', type: 'text', vi: 'Họ và tên', en: 'Full name' },
      { name: 'aliases', sql: `array_to_string(m.aliases, '; ')`, type: 'text', vi: 'Bí danh, cách nhau bởi ; ', en: 'Aliases (noms de guerre), separated by ; ' },
      { name: 'gender', sql: 'm.gender', type: 'text', vi: 'Giới tính: male (nam), female (nữ)', en: 'Gender: male or female' },
      { name: 'birth_date', sql: `concat_ws('-', m.birth_year, lpad(m.birth_month::text, 2, '0'), lpad(m.birth_day::text, 2, '0'))`, type: 'partial date', vi: 'Năm sinh hoặc ngày sinh: 1948, 1948-05 hoặc 1948-05-12 (không bao giờ tự thêm ngày 1/1)', en: 'Birth: 1948, 1948-05 or 1948-05-12 (never a made-up 1 January)' },
      { name: 'death_date', sql: `concat_ws('-', m.death_year, lpad(m.death_month::text, 2, '0'), lpad(m.death_day::text, 2, '0'))`, type: 'partial date', vi: 'Ngày hy sinh, cùng cách ghi', en: 'Death, written the same way' },
      { name: 'hometown', sql: 'm.hometown_text', type: 'text', vi: 'Quê quán như hồ sơ ghi (tên đơn vị hành chính thời đó)', en: 'Hometown as the record writes it (the names of its time)' },
      { name: 'hometown_commune_code', sql: 'm.hometown_commune_code', type: 'text', vi: 'Mã xã hiện nay của quê quán, khi xác định được', en: 'Code of the hometown’s current commune, when known' },
      { name: 'hometown_province_code', sql: 'm.hometown_province_code', type: 'text', vi: 'Mã tỉnh hiện nay của quê quán', en: "Code of the hometown's current province" },
      { name: 'place_of_death', sql: 'm.place_of_death', type: 'text', vi: 'Nơi hy sinh', en: 'Place of death' },
      { name: 'unit', sql: 'm.unit', type: 'text', vi: 'Đơn vị như hồ sơ ghi (E141, f312…)', en: 'Unit as the record writes it (E141, f312…)' },
      { name: 'rank', sql: 'm.rank', type: 'text', vi: 'Cấp bậc', en: 'Rank' },
      { name: 'position', sql: 'm.position', type: 'text', vi: 'Chức vụ', en: 'Position' },
      { name: 'has_certificate', sql: 'm.has_certificate', type: 'boolean', vi: 'Đã có Bằng Tổ quốc ghi công (số bằng không công bố)', en: 'Holds the Fatherland certificate (its number is not published)' },
      { name: 'certificate_date', sql: 'm.certificate_date', type: 'date', vi: 'Ngày cấp Bằng Tổ quốc ghi công', en: 'Date of the certificate' },
      { name: 'grave_id', sql: 'm.grave_id', type: 'integer', vi: 'Mã phần mộ (cột id của tệp mộ), trống khi chưa tìm được mộ', en: 'Grave id (the id column of the graves file), empty when the grave is not known' },
      { name: 'cemetery_id', sql: 'g.cemetery_id', type: 'integer', vi: 'Mã nghĩa trang an táng', en: 'Id of the cemetery of burial' },
      { name: 'url', sql: url(`'/liet-si/' || m.id`), type: 'text', vi: 'Trang của liệt sĩ trên cổng', en: "The martyr's page on the portal" },
      { name: 'updated_at', sql: `to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`, type: 'datetime', vi: 'Lần cập nhật hồ sơ gần nhất (UTC)', en: 'Last change of the record (UTC)' },
    ],
  },
};

export const DATASET_IDS = Object.keys(DATASETS) as DatasetId[];

export const MEDIA_TYPES: Record<Format, string> = {
  csv: 'text/csv; charset=utf-8',
  geojson: 'application/geo+json',
  geojsonl: 'application/geo+json-seq',
  gpkg: 'application/geopackage+sqlite3',
};

/** National file names: "graves.csv", "cemeteries.gpkg". */
export function fileName(dataset: DatasetId, format: Format): string {
  return `${dataset}.${format}`;
}

export function parseFileName(name: string): { dataset: DatasetId; format: Format } | undefined {
  const match = /^([a-z]+)\.([a-z]+)$/.exec(name);
  if (!match) return undefined;
  const dataset = match[1] as DatasetId;
  const format = match[2] as Format;
  if (!Object.hasOwn(DATASETS, dataset) || !DATASETS[dataset].formats.includes(format)) return undefined;
  return { dataset, format };
}

/** Every national file, in the order the page lists them. */
export const NATIONAL_FILES = DATASET_IDS.flatMap((d) => DATASETS[d].formats.map((f) => ({ dataset: d, format: f, name: fileName(d, f) })));
