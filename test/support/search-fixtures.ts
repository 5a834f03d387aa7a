/**
 * A small, hand-made set of records for search tests: the names of the examples, with real
 * communes and provinces from the reference data, and hundreds of namesakes around them.
 */
import type { Db } from '../../server/db/knex.js';

export type SearchFixture = {
  cemeteries: { truongSon: number; haTinh: number };
  martyrs: Record<
    'thanh' | 'thanhUnaccented' | 'duc' | 'hung' | 'thuyDotBelow' | 'thuyDotOnY' | 'haTay' | 'haNoiWritten' | 'alias' | 'aliasWordsInName' | 'tamHaTinh' | 'tamAliasHaTinh' | 'confidential' | 'noGrave' | 'thanhHaTinh1948' | 'lietSy',
    number
  >;
  graves: { partial: number; unknown: number; ofThanh: number };
};

async function insertCemetery(db: Db, name: string, level: string, provinceCode: string, oldProvinceCode: string, lng: number, lat: number): Promise<number> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `INSERT INTO cemeteries (name, level, province_code, old_province_code, location, boundary)
     VALUES (?, ?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326),
             ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(?, ?), 4326), 0.002)))
     RETURNING id`,
    [name, level, provinceCode, oldProvinceCode, lng, lat, lng, lat],
  );
  return Number(rows[0]!.id);
}

async function insertGrave(db: Db, cemeteryId: number, row: number, number: number, lng: number, lat: number, extra: Record<string, unknown> = {}): Promise<number> {
  const [grave] = await db('graves')
    .insert({
      cemetery_id: cemeteryId,
      row_label: String(row),
      plot_number: String(number),
      position: db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [lng, lat]),
      state: 'identified',
      ...extra,
    })
    .returning('id');
  return Number(grave!.id);
}

type MartyrInput = {
  full_name: string;
  aliases?: string[];
  birth_year?: number | null;
  death_year?: number | null;
  hometown_text?: string | null;
  hometown_old_commune_code?: string | null;
  hometown_old_district_code?: string | null;
  hometown_old_province_code?: string | null;
  hometown_commune_code?: string | null;
  hometown_province_code?: string | null;
  unit?: string | null;
  grave_id?: number | null;
  is_public?: boolean;
  internal_notes?: string | null;
  certificate_number?: string | null;
};

async function insertMartyr(db: Db, input: MartyrInput): Promise<number> {
  const [row] = await db('martyrs').insert({ gender: 'male', ...input }).returning('id');
  return Number(row!.id);
}

/** Hometowns from the reference data: old commune, district, province, and what they became. */
const HOMETOWNS = {
  // Thạch Kim (Thạch Hà, Hà Tĩnh) became part of Lộc Hà commune in 2025.
  thachKim: { hometown_old_commune_code: '18580', hometown_old_district_code: '445', hometown_old_province_code: '42', hometown_commune_code: '18568', hometown_province_code: '42' },
  // Phú Châu (Ba Vì, then Hà Tây, Hà Nội since 2008) became part of Vật Lại commune.
  phuChau: { hometown_old_commune_code: '09649', hometown_old_district_code: '271', hometown_old_province_code: '01', hometown_commune_code: '09664', hometown_province_code: '01' },
  // Đông Hưng (Thái Bình) is in Hưng Yên province since 2025.
  dongHung: { hometown_old_commune_code: '12688', hometown_old_district_code: '340', hometown_old_province_code: '34', hometown_commune_code: '12688', hometown_province_code: '33' },
  // Hưng Đạo (Hưng Nguyên, Nghệ An).
  hungDao: { hometown_old_commune_code: '18016', hometown_old_district_code: '431', hometown_old_province_code: '40', hometown_commune_code: '18001', hometown_province_code: '40' },
} as const;

export async function loadSearchFixture(db: Db): Promise<SearchFixture> {
  const truongSon = await insertCemetery(db, 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn', 'national', '44', '45', 106.95, 16.95);
  const haTinh = await insertCemetery(db, 'Nghĩa trang liệt sĩ tỉnh Hà Tĩnh', 'province', '42', '42', 105.89, 18.34);

  let plot = 0;
  const grave = (cemetery: number, extra: Record<string, unknown> = {}) => {
    plot += 1;
    const [lng, lat] = cemetery === truongSon ? [106.95, 16.95] : [105.89, 18.34];
    return insertGrave(db, cemetery, Math.ceil(plot / 50), plot, lng + (plot % 50) * 0.00002, lat + Math.ceil(plot / 50) * 0.00002, extra);
  };

  const ofThanh = await grave(truongSon);
  const thanh = await insertMartyr(db, {
    full_name: 'Nguyễn Văn Thành', birth_year: 1950, death_year: 1972, hometown_text: 'xã Đông Hưng, huyện Đông Hưng, tỉnh Thái Bình',
    ...HOMETOWNS.dongHung, unit: 'Trung đoàn 48, Sư đoàn 320', grave_id: ofThanh,
  });
  const thanhUnaccented = await insertMartyr(db, {
    full_name: 'Nguyễn Văn Thanh', birth_year: 1951, death_year: 1971, hometown_text: 'Đông Hưng, Thái Bình', ...HOMETOWNS.dongHung, grave_id: await grave(truongSon),
  });
  const thanhHaTinh1948 = await insertMartyr(db, {
    full_name: 'Nguyễn Văn Thành', birth_year: 1948, death_year: 1968, hometown_text: 'Thạch Kim, Thạch Hà, Hà Tĩnh', ...HOMETOWNS.thachKim,
    unit: 'Đại đội 3, Tiểu đoàn 2, Trung đoàn 64, Sư đoàn 320', grave_id: await grave(haTinh),
  });
  const duc = await insertMartyr(db, { full_name: 'Đặng Văn Đức', birth_year: 1947, death_year: 1969, hometown_text: 'Hưng Đạo, Hưng Nguyên, Nghệ An', ...HOMETOWNS.hungDao, grave_id: await grave(truongSon) });
  const hung = await insertMartyr(db, { full_name: 'Trần Văn Hùng', birth_year: 1952, death_year: 1973, hometown_text: 'Nghệ An', hometown_old_province_code: '40', hometown_province_code: '40', grave_id: await grave(truongSon) });
  const thuyDotBelow = await insertMartyr(db, { full_name: 'Lê Đình Thụy', death_year: 1967, hometown_text: 'Hà Tĩnh', hometown_old_province_code: '42', hometown_province_code: '42', grave_id: await grave(haTinh) });
  const thuyDotOnY = await insertMartyr(db, { full_name: 'Phạm Quang Thuỵ', death_year: 1970, hometown_text: 'Thái Bình', hometown_old_province_code: '34', hometown_province_code: '33', grave_id: await grave(truongSon) });
  const haTay = await insertMartyr(db, { full_name: 'Hoàng Văn Khải', birth_year: 1945, death_year: 1968, hometown_text: 'Phú Châu, Ba Vì, Hà Tây', ...HOMETOWNS.phuChau, grave_id: await grave(truongSon) });
  const haNoiWritten = await insertMartyr(db, { full_name: 'Vũ Đức Khiêm', death_year: 1972, hometown_text: 'Cổ Đô, Ba Vì, Hà Nội', hometown_old_province_code: '01', hometown_province_code: '01', grave_id: await grave(truongSon) });
  const alias = await insertMartyr(db, { full_name: 'Võ Văn Kiệt Tường', aliases: ['Sáu Dân', 'Tư Lâm'], death_year: 1968, hometown_text: 'Nghệ An', hometown_old_province_code: '40', hometown_province_code: '40', grave_id: await grave(haTinh) });
  // "Văn" and "Dân" in the name here; in the record above, "Văn" in the name and "Dân" in an alias.
  const aliasWordsInName = await insertMartyr(db, { full_name: 'Trịnh Văn Dân', death_year: 1971, hometown_text: 'Nghệ An', hometown_old_province_code: '40', hometown_province_code: '40', grave_id: await grave(haTinh) });
  // From Hà Tĩnh; and a namesake from Nghệ An whose aliases happen to be "Hà" and "Tĩnh".
  const tamHaTinh = await insertMartyr(db, { full_name: 'Lương Văn Tâm', death_year: 1972, hometown_text: 'Hà Tĩnh', hometown_old_province_code: '42', hometown_province_code: '42', grave_id: await grave(truongSon) });
  const tamAliasHaTinh = await insertMartyr(db, { full_name: 'Lương Văn Tâm', aliases: ['Hà', 'Tĩnh'], death_year: 1970, hometown_text: 'Nghệ An', hometown_old_province_code: '40', hometown_province_code: '40', grave_id: await grave(truongSon) });
  const lietSy = await insertMartyr(db, { full_name: 'Bùi Sỹ Quý', death_year: 1969, hometown_text: 'Hà Tĩnh', hometown_old_province_code: '42', hometown_province_code: '42', grave_id: await grave(haTinh) });
  const confidential = await insertMartyr(db, {
    full_name: 'Nguyễn Văn Bảo Mật', death_year: 1970, hometown_text: 'Hà Tĩnh', hometown_old_province_code: '42', hometown_province_code: '42',
    is_public: false, internal_notes: 'Hồ sơ mật: không công bố', grave_id: await grave(haTinh),
  });
  const noGrave = await insertMartyr(db, { full_name: 'Đỗ Xuân Hòa', death_year: 1975, hometown_text: 'Hưng Yên', hometown_old_province_code: '33', hometown_province_code: '33', certificate_number: 'GCN-SECRET-123' });

  const partial = await grave(truongSon, { state: 'partial', known_name: 'Liệt sĩ Hùng', known_unit: 'Trung đoàn 209, Sư đoàn 312', known_death_year: 1972, known_place_of_death: 'Mặt trận Quảng Trị', inscription: 'LIỆT SĨ\nHÙNG\nE209 F312\n1972' });
  const unknown = await grave(truongSon, { state: 'unknown', inscription: 'LIỆT SĨ\nCHƯA BIẾT TÊN' });

  // Hundreds of namesakes: the same name in Thái Bình, born 1940-1955, with no unit; half of them
  // written with the unit words ("tỉnh") that must not pass for "Tĩnh".
  await db.raw(
    `INSERT INTO martyrs (full_name, gender, birth_year, death_year, hometown_text, hometown_old_province_code, hometown_province_code)
     SELECT CASE WHEN i % 3 = 0 THEN 'Nguyễn Văn Thanh' ELSE 'Nguyễn Văn Thành' END, 'male', 1940 + i % 16, 1965 + i % 10,
            CASE WHEN i % 2 = 0 THEN 'xã Đông Hưng, huyện Đông Hưng, tỉnh Thái Bình' ELSE 'Thái Bình' END, '34', '33'
     FROM generate_series(1, 300) AS i`,
  );

  return {
    cemeteries: { truongSon, haTinh },
    martyrs: { thanh, thanhUnaccented, duc, hung, thuyDotBelow, thuyDotOnY, haTay, haNoiWritten, alias, aliasWordsInName, tamHaTinh, tamAliasHaTinh, confidential, noGrave, thanhHaTinh1948, lietSy },
    graves: { partial, unknown, ofThanh },
  };
}
