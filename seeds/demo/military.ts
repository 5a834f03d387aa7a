/**
 * Units, ranks, positions, places of death and certificates, as a martyr's dossier writes them.
 * Formations come from the front the martyr fell on (theatres.ts); ranks lean to the lowest, and
 * the position follows the rank.
 */
import { Weighted, type Rng } from './random.js';
import type { Formation, Theatre } from './theatres.js';

export type Service = { unit: string; rank: string | null; position: string; officer: boolean };

const RANKS = new Weighted<[string, 'enlisted' | 'nco' | 'officer']>([
  [['Binh nhì', 'enlisted'], 20], [['Binh nhất', 'enlisted'], 25], [['Hạ sĩ', 'nco'], 18], [['Trung sĩ', 'nco'], 14],
  [['Thượng sĩ', 'nco'], 7], [['Chuẩn úy', 'officer'], 3], [['Thiếu úy', 'officer'], 5], [['Trung úy', 'officer'], 4],
  [['Thượng úy', 'officer'], 2], [['Đại úy', 'officer'], 1.5], [['Thiếu tá', 'officer'], 0.3],
]);

const POSITIONS = {
  enlisted: new Weighted<string>([
    ['Chiến sĩ', 60], ['Y tá', 5], ['Liên lạc', 6], ['Pháo thủ', 7], ['Trinh sát', 5], ['Công binh', 4],
    ['Chiến sĩ thông tin', 4], ['Lái xe', 3], ['Nuôi quân', 2], ['Xạ thủ B40', 4],
  ]),
  nco: new Weighted<string>([
    ['Tiểu đội trưởng', 35], ['Tiểu đội phó', 30], ['Khẩu đội trưởng', 8], ['Chiến sĩ', 15], ['Y tá', 5], ['Trinh sát', 4], ['Lái xe', 3],
  ]),
  officer: new Weighted<string>([
    ['Trung đội trưởng', 30], ['Trung đội phó', 15], ['Đại đội phó', 15], ['Đại đội trưởng', 10], ['Chính trị viên', 8],
    ['Chính trị viên phó', 6], ['Trợ lý', 6], ['Y sĩ', 4], ['Tiểu đoàn phó', 4], ['Tiểu đoàn trưởng', 2],
  ]),
};

const VOLUNTEER_POSITIONS = new Weighted<string>([['Đội viên', 70], ['Tiểu đội trưởng', 15], ['Tiểu đội phó', 10], ['Y tá', 5]]);

/** 1945-54 dossiers seldom carry a rank: the army introduced ranks in 1958. */
const NO_RANK_SHARE: Record<number, number> = { 1: 0.75, 2: 0.08, 3: 0.03 };

const WOMEN_SERVICE = new Weighted<[string, string]>([
  [['Thanh niên xung phong', 'Đội viên'], 40], [['Dân quân', 'Dân quân'], 15], [['Quân y', 'Y tá'], 20],
  [['Giao liên', 'Giao liên'], 15], [['Đoàn văn công', 'Diễn viên'], 5], [['Quân y', 'Y sĩ'], 5],
]);

function abbreviated(parts: string[]): string {
  // Records of the time often wrote "C2, D4, E48, F320".
  const codes: Array<[RegExp, string]> = [[/^Đại đội (\S+)$/, 'C'], [/^Tiểu đoàn (\S+)$/, 'D'], [/^Trung đoàn (\S+)$/, 'E'], [/^(?:Sư|Đại) đoàn (\S+)$/, 'F']];
  return parts.map((p) => {
    for (const [re, letter] of codes) {
      const m = re.exec(p);
      if (m) return `${letter}${m[1]}`;
    }
    return p;
  }).join(', ');
}

/** A unit line: from "Sư đoàn 320" to "Đại đội 2, Tiểu đoàn 4, Trung đoàn 48, Sư đoàn 320". */
export function unitText(formation: Formation, rng: Rng): string {
  const sub = formation.subs.length ? rng.pick(formation.subs) : undefined;
  // Smaller units go in front only when they are smaller than the subordinate unit.
  const depth = !sub ? 0 : /^(Đại đội|Đội|Tàu|Đồn)/.test(sub) ? 0 : /^Tiểu đoàn/.test(sub) ? 1 : 2;
  const r = rng.next();
  let parts: string[];
  if (!sub || r < 0.1) parts = [formation.top];
  else if (r < 0.4 && depth === 2) parts = [`Đại đội ${rng.int(1, 20)}`, `Tiểu đoàn ${rng.int(1, 9)}`, sub, formation.top];
  else if (r < 0.55 && depth === 2) parts = [`Tiểu đoàn ${rng.int(1, 9)}`, sub, formation.top];
  else if (r < 0.55 && depth === 1) parts = [`Đại đội ${rng.int(1, 20)}`, sub, formation.top];
  else parts = [sub, formation.top];
  const parsed = parts.flatMap((p) => p.split(', '));
  return rng.chance(0.08) ? abbreviated(parsed) : parsed.join(', ');
}

export function localUnitText(era: number, provinceName: string, communeName: string | null, rng: Rng): string {
  if (era === 1 && communeName && rng.chance(0.5)) return `Du kích xã ${communeName}`;
  return rng.pick([`Bộ đội địa phương tỉnh ${provinceName}`, `Tỉnh đội ${provinceName}`, `Đại đội ${rng.int(1, 9)}, Bộ đội địa phương tỉnh ${provinceName}`]);
}

/** Unit, rank and position of a man who fell on this front. */
export function serviceOf(theatre: Theatre, provinceName: string, communeName: string | null, rng: Rng): Service {
  const unit = rng.chance(theatre.local)
    ? localUnitText(theatre.era, provinceName, communeName, rng)
    : unitText(rng.pick(theatre.formations), rng);
  const [rank, grade] = RANKS.draw(rng);
  // Youth volunteers were not soldiers: no rank, and the volunteer corps' own positions.
  if (unit.includes('Thanh niên xung phong')) return { unit, rank: null, position: VOLUNTEER_POSITIONS.draw(rng), officer: false };
  const hasRank = !rng.chance(NO_RANK_SHARE[theatre.era] ?? 0.05);
  return { unit, rank: hasRank ? rank : null, position: POSITIONS[grade].draw(rng), officer: grade === 'officer' };
}

/** Women martyrs served mostly as youth volunteers, militia, medics and liaison. */
export function womanServiceOf(theatre: Theatre, provinceName: string, rng: Rng): Service {
  const [corps, position] = WOMEN_SERVICE.draw(rng);
  const unit = corps === 'Thanh niên xung phong' ? `Đại đội ${rng.int(1, 60) * 10 + rng.int(1, 9)}, Thanh niên xung phong ${provinceName}`
    : corps === 'Dân quân' ? `Dân quân tỉnh ${provinceName}`
    : corps === 'Quân y' ? `${rng.pick(['Đội điều trị', 'Bệnh xá', 'Trạm phẫu'])} ${rng.int(1, 30)}, ${rng.pick(theatre.formations).top}`
    : corps === 'Giao liên' ? `Giao liên ${rng.pick(theatre.formations).top}`
    : `Đoàn văn công ${rng.pick(theatre.formations).top}`;
  const soldier = corps === 'Quân y' || corps === 'Đoàn văn công';
  return { unit, rank: !soldier || theatre.era === 1 || rng.chance(0.5) ? null : rng.pick(['Binh nhì', 'Binh nhất', 'Hạ sĩ']), position, officer: false };
}

export function placeOfDeath(theatre: Theatre, provinceName: string, rng: Rng): string {
  return rng.pick(theatre.places).replace('{province}', provinceName);
}

const SERIAL_PREFIXES = ['KA', 'KB', 'HE', 'HF', 'LA', 'LB', 'NB', 'ND', 'TQ'];

/** The number of the Bằng Tổ quốc ghi công, in one of the forms records use. */
export function certificateNumber(rng: Rng): string {
  const r = rng.next();
  if (r < 0.45) return `${rng.int(1, 99_999)}/GCN`;
  if (r < 0.8) return `${rng.pick(SERIAL_PREFIXES)} ${String(rng.int(1, 999_999)).padStart(6, '0')}`;
  return `${rng.int(1, 9_999)}/TTg`;
}
