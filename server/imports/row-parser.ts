/**
 * One row of a provincial file → the record it describes, or the reasons it cannot be imported.
 * Pure: the reference data (hometowns, the province's cemeteries) comes in, nothing goes out but
 * the result. The dry run and the commit read rows through this one function.
 */
import { createHash } from 'node:crypto';
import { foldVietnamese, nfc, stripAdministrativeWords } from '../text/vietnamese.js';
import { isProblem, normaliseName, parseConfidential, parseCoordinates, parseGender, parsePlot, parseRecordDate, type PartialDateValue } from './cell-parsers.js';
import type { HometownResolver, Confidence } from './hometown.js';
import { decodeText } from './legacy-encodings.js';
import type { Field, Mapping } from './mapping.js';
import { cellText, type Cell, type RawRow } from './table-reader.js';

export type CemeteryLookup = {
  /** The province's cemeteries by folded name and by id. */
  byKey: Map<string, number>;
  /** Cemeteries of other provinces by folded name: named, they are a jurisdiction error, not "unknown". */
  elsewhere: Set<string>;
};

export type MartyrFields = {
  full_name: string;
  aliases: string[];
  gender: 'male' | 'female' | null;
  birth_year: number | null; birth_month: number | null; birth_day: number | null;
  death_year: number | null; death_month: number | null; death_day: number | null;
  hometown_text: string | null;
  hometown_old_commune_code: string | null;
  hometown_old_district_code: string | null;
  hometown_old_province_code: string | null;
  hometown_commune_code: string | null;
  hometown_province_code: string | null;
  place_of_death: string | null;
  unit: string | null;
  rank: string | null;
  position: string | null;
  certificate_number: string | null;
  certificate_date: string | null;
  is_public: boolean;
};

export type GraveFields = {
  cemetery_id: number | null;
  /** A cemetery to create (the officer chose to), by its name. */
  new_cemetery: string | null;
  section: string | null;
  section_kind: 'khu' | 'lo';
  row_label: string | null;
  plot_number: string | null;
  lat: number | null;
  lng: number | null;
};

export type StagedRecord = {
  rowNumber: number;
  key: string;
  martyr: MartyrFields;
  grave: GraveFields | null;
  /** The cell as the file wrote it, for the fields whose value was changed on the way in. */
  original: Record<string, string>;
  confidence: Confidence;
  hash: string;
  /** What the duplicate check compares. */
  dupKey: { name: string; birthYear: number | null; hometown: string; deathYear: number | null; unit: string };
};

export type RowProblem = { column: string | null; value: string; problem: string };

export type RowContext = {
  mapping: Mapping;
  provinceCode: string;
  resolver: HometownResolver;
  cemeteries: CemeteryLookup;
  visibility: 'public' | 'confidential';
  createCemeteries: boolean;
};

export type ParsedRow = { ok: true; record: StagedRecord } | { ok: false; empty?: boolean; problems: RowProblem[] };

const MAX_CELL = 2000;

/** Cemetery names as records write them: "NTLS huyện Tiên Lữ" is "Nghĩa trang liệt sĩ huyện Tiên Lữ". */
export const cemeteryKey = (name: string) =>
  foldVietnamese(stripAdministrativeWords(name))
    .replace(/\bntls\b/g, 'nghia trang liet si')
    .replace(/\b(nghia trang liet si|nghia trang|liet si)\b/g, ' ')
    .replace(/[^a-z0-9]+/g, '');

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

export function parseRow(row: RawRow, ctx: RowContext): ParsedRow {
  const problems: RowProblem[] = [];
  const values = new Map<Field, { cell: Cell; header: string; raw: string }[]>();
  let anything = false;
  for (const column of ctx.mapping.columns) {
    const cell = row.cells[column.index] ?? null;
    if (cell !== null && cellText(cell).trim() !== '') anything = true;
    if (!column.field) continue;
    if (row.formulaWithoutValue?.includes(column.index)) problems.push({ column: column.header, value: '', problem: 'formula_without_value' });
    if (cell === null) continue;
    let decoded: Cell = cell;
    const raw = cellText(cell);
    if (typeof cell === 'string') {
      if (cell.length > MAX_CELL) {
        problems.push({ column: column.header, value: cell.slice(0, 100), problem: 'cell_too_long' });
        continue;
      }
      decoded = decodeText(cell, column.encoding).trim();
      if (decoded === '') continue;
    }
    const list = values.get(column.field) ?? [];
    list.push({ cell: decoded, header: column.header, raw });
    values.set(column.field, list);
  }
  if (!anything) return { ok: false, empty: true, problems: [] };

  const first = (field: Field) => values.get(field)?.[0];
  const text = (field: Field): string | null => {
    const v = first(field);
    return v ? nfc(cellText(v.cell)).replace(/\s+/g, ' ').trim() || null : null;
  };
  const original: Record<string, string> = {};

  const nameCell = first('full_name');
  const fullName = nameCell ? normaliseName(cellText(nameCell.cell)) : '';
  if (!fullName) problems.push({ column: nameCell?.header ?? null, value: '', problem: 'name_missing' });
  else if (fullName.length > 200) problems.push({ column: nameCell!.header, value: fullName.slice(0, 100), problem: 'name_too_long' });
  if (nameCell && nameCell.raw !== fullName) original.full_name = nameCell.raw;

  const date = (field: 'birth' | 'death' | 'certificate_date'): PartialDateValue | null => {
    for (const v of values.get(field) ?? []) {
      const parsed = parseRecordDate(v.cell);
      if (isProblem(parsed)) {
        problems.push({ column: v.header, value: v.raw, problem: parsed.problem });
        return null;
      }
      if (parsed) return parsed;
    }
    return null;
  };
  const birth = date('birth');
  const death = date('death');
  if (birth && death && birth.year > death.year) problems.push({ column: first('birth')!.header, value: first('birth')!.raw, problem: 'birth_after_death' });
  const certificate = date('certificate_date');
  if (certificate && certificate.day === null && first('certificate_date')) problems.push({ column: first('certificate_date')!.header, value: first('certificate_date')!.raw, problem: 'certificate_date_partial' });

  let gender: 'male' | 'female' | null = null;
  if (first('gender')) {
    const g = parseGender(first('gender')!.cell);
    if (isProblem(g)) problems.push({ column: first('gender')!.header, value: first('gender')!.raw, problem: g.problem });
    else gender = g;
  }

  let isPublic = ctx.visibility === 'public';
  if (first('confidential')) {
    const c = parseConfidential(first('confidential')!.cell);
    if (isProblem(c)) problems.push({ column: first('confidential')!.header, value: first('confidential')!.raw, problem: c.problem });
    else isPublic = !c;
  }

  const hometownText = (values.get('hometown') ?? []).map((v) => nfc(cellText(v.cell)).replace(/\s+/g, ' ').trim()).find(Boolean) ?? null;
  const home = hometownText ? ctx.resolver.resolve(hometownText) : null;

  // The grave: a cemetery of the province, and the plot in it.
  let grave: GraveFields | null = null;
  const cemeteryCell = first('cemetery');
  const plotCells = (['section', 'row', 'plot_number', 'plot', 'coordinates'] as Field[]).some((f) => first(f));
  if (cemeteryCell) {
    const name = nfc(cellText(cemeteryCell.cell)).trim();
    const key = /^\d+$/.test(name) ? `#${Number(name)}` : cemeteryKey(name);
    const id = ctx.cemeteries.byKey.get(key) ?? null;
    if (id === null && ctx.cemeteries.elsewhere.has(key)) problems.push({ column: cemeteryCell.header, value: name, problem: 'cemetery_other_province' });
    else if (id === null && !ctx.createCemeteries) problems.push({ column: cemeteryCell.header, value: name, problem: 'cemetery_unknown' });
    else if (id === null && (/^\d+$/.test(name) || name.length < 3)) problems.push({ column: cemeteryCell.header, value: name, problem: 'cemetery_unknown' });
    grave = { cemetery_id: id, new_cemetery: id === null ? name : null, section: null, section_kind: 'khu', row_label: null, plot_number: null, lat: null, lng: null };
    if (first('plot')) {
      const plot = parsePlot(cellText(first('plot')!.cell));
      if (isProblem(plot)) problems.push({ column: first('plot')!.header, value: first('plot')!.raw, problem: plot.problem });
      else Object.assign(grave, { section: plot.section, section_kind: plot.sectionKind, row_label: plot.row, plot_number: plot.number });
    }
    const part = (field: Field) => {
      const v = text(field);
      if (v === null) return null;
      const clean = v.replace(/^(khu|lô|lo|hàng|hang|mộ số|mộ|mo so|mo|số|so)\s*/i, '').trim().toUpperCase();
      if (!/^[0-9A-Z]{1,20}$/.test(foldVietnamese(clean).toUpperCase())) {
        problems.push({ column: first(field)!.header, value: v, problem: 'plot_unreadable' });
        return null;
      }
      return clean;
    };
    if (first('section')) {
      grave.section = part('section');
      if (/^l/i.test(foldVietnamese(first('section')!.header))) grave.section_kind = 'lo';
    }
    if (first('row')) grave.row_label = part('row');
    if (first('plot_number')) grave.plot_number = part('plot_number');
    if (first('coordinates')) {
      const c = parseCoordinates(first('coordinates')!.cell);
      if (isProblem(c)) problems.push({ column: first('coordinates')!.header, value: first('coordinates')!.raw, problem: c.problem });
      else if (c) [grave.lat, grave.lng] = [c.lat, c.lng];
    }
  } else if (plotCells && [first('section'), first('row'), first('plot_number'), first('plot')].some(Boolean)) {
    problems.push({ column: null, value: '', problem: 'plot_without_cemetery' });
  }

  // Jurisdiction: a grave in the province's cemeteries, or a hometown in the province.
  if (!grave && fullName) {
    if (!home || !home.provinceCode) problems.push({ column: (values.get('hometown') ?? [])[0]?.header ?? null, value: hometownText ?? '', problem: 'outside_unknown' });
    else if (home.provinceCode !== ctx.provinceCode) problems.push({ column: values.get('hometown')![0]!.header, value: hometownText ?? '', problem: 'outside_province' });
  }

  const long = (field: Field, max = 500) => {
    const v = text(field);
    if (v && v.length > max) {
      problems.push({ column: first(field)!.header, value: v.slice(0, 100), problem: 'cell_too_long' });
      return null;
    }
    return v;
  };
  const aliases = (text('aliases') ?? '').split(/\s*[;,/]\s*/).map((a) => a.trim()).filter(Boolean).slice(0, 10);
  const sourceId = text('source_id');
  if (sourceId && sourceId.length > 100) problems.push({ column: first('source_id')!.header, value: sourceId.slice(0, 100), problem: 'cell_too_long' });

  if (problems.length) return { ok: false, problems };

  // Legacy-encoded cells: the value as the file had it is kept in the provenance.
  for (const [field, list] of values) {
    const v = list[0]!;
    if (typeof v.cell === 'string' && v.raw.trim() !== v.cell && !(field in original)) original[field] = v.raw;
  }

  const martyr: MartyrFields = {
    full_name: fullName,
    aliases,
    gender,
    birth_year: birth?.year ?? null, birth_month: birth?.month ?? null, birth_day: birth?.day ?? null,
    death_year: death?.year ?? null, death_month: death?.month ?? null, death_day: death?.day ?? null,
    hometown_text: hometownText,
    hometown_old_commune_code: home?.oldCommuneCode ?? null,
    hometown_old_district_code: home?.oldDistrictCode ?? null,
    hometown_old_province_code: home?.oldProvinceCode ?? null,
    hometown_commune_code: home?.communeCode ?? null,
    hometown_province_code: home?.provinceCode ?? null,
    place_of_death: long('place_of_death'),
    unit: long('unit'),
    rank: long('rank', 100),
    position: long('position', 100),
    certificate_number: long('certificate_number', 100),
    certificate_date: certificate ? `${certificate.year}-${String(certificate.month).padStart(2, '0')}-${String(certificate.day).padStart(2, '0')}` : null,
    is_public: isPublic,
  };
  const folded = foldVietnamese(fullName);
  const hometownFolded = hometownText ? foldVietnamese(stripAdministrativeWords(hometownText)).replace(/[^a-z0-9]+/g, ' ').trim() : '';
  // Without the source's own id, a row is known by who it describes.
  const key = sourceId ? `id:${sourceId}` : `k:${sha([folded, martyr.birth_year, martyr.birth_month, martyr.birth_day, hometownFolded, martyr.death_year, martyr.death_month, martyr.death_day].join('|'))}`;
  const record: StagedRecord = {
    rowNumber: row.rowNumber,
    key,
    martyr,
    grave,
    original,
    confidence: home?.confidence ?? 'none',
    hash: '',
    dupKey: {
      name: folded,
      birthYear: martyr.birth_year,
      hometown: home?.oldCommuneCode ?? home?.communeCode ?? hometownFolded,
      deathYear: martyr.death_year,
      unit: martyr.unit ? foldVietnamese(martyr.unit).replace(/[^a-z0-9]+/g, '') : '',
    },
  };
  record.hash = sha(JSON.stringify([martyr, grave]));
  return { ok: true, record };
}
