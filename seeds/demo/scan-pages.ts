/**
 * Synthetic scanned dossier pages for tests and the benchmark: Vietnamese text of death notices and
 * certificates set in a serif typeface on an A4 page at 300 dpi, optionally with scanner noise
 * (speckles, a grey cast) and skew, as archive scans come. The text is known, so OCR accuracy
 * can be measured against it.
 */
import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';

export const A4_300DPI = { width: 2480, height: 3508 };

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** A seeded generator, so a benchmark run is the same run every time. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ScanOptions = { noise?: number; skewDegrees?: number; seed?: number; fontSize?: number };

/** One page as a greyscale PNG. `noise` is the share of speckled pixels (0.002 is a fair archive scan). */
export async function scanPage(lines: string[], options: ScanOptions = {}): Promise<Buffer> {
  const { width, height } = A4_300DPI;
  const size = options.fontSize ?? 46;
  const text = lines
    .map((line, i) => `<text x="230" y="${360 + i * size * 1.9}" font-family="DejaVu Serif" font-size="${i === 0 ? size * 1.35 : size}"${i === 0 ? ' font-weight="bold"' : ''}>${escapeXml(line.normalize('NFC'))}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fbfaf5"/>${text}</svg>`;
  let image = sharp(Buffer.from(svg)).greyscale();
  if (options.skewDegrees) image = sharp(await image.png().toBuffer()).rotate(options.skewDegrees, { background: '#fbfaf5' }).resize(width, height, { fit: 'cover' });
  let png = await image.png().toBuffer();
  if (options.noise) {
    const next = random(options.seed ?? 1);
    const raw = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const pixels = raw.data;
    const count = Math.round(pixels.length * options.noise);
    for (let i = 0; i < count; i += 1) {
      const at = Math.floor(next() * pixels.length);
      pixels[at] = next() < 0.5 ? 40 : 170;
    }
    png = await sharp(pixels, { raw: { width: raw.info.width, height: raw.info.height, channels: 1 } }).blur(0.6).png().toBuffer();
  }
  return png;
}

/** Pages as one PDF of images, as a scanner writes it. */
export async function scanPdf(pages: Buffer[], options: { dpi?: number } = {}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const dpi = options.dpi ?? 300;
  for (const png of pages) {
    const jpeg = await sharp(png).jpeg({ quality: 85 }).toBuffer();
    const image = await pdf.embedJpg(jpeg);
    const page = pdf.addPage([(image.width * 72) / dpi, (image.height * 72) / dpi]);
    page.drawImage(image, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
  }
  return Buffer.from(await pdf.save());
}

const SURNAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Phan', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô'];
const MIDDLE = ['Văn', 'Đình', 'Hữu', 'Công', 'Xuân', 'Minh', 'Quang', 'Đức'];
const GIVEN = ['Thắng', 'Hùng', 'Thành', 'Dũng', 'Lợi', 'Tâm', 'Sơn', 'Hải', 'Bình', 'Cường', 'Khánh', 'Nghĩa', 'Tiến', 'Đạt'];
const PLACES = [
  'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', 'xã Đông Hưng, huyện Tiên Lữ, tỉnh Hưng Yên', 'xã Hưng Đạo, huyện Hưng Nguyên, tỉnh Nghệ An',
  'xã Phú Châu, huyện Ba Vì, tỉnh Hà Tây', 'xã Quảng Minh, huyện Việt Yên, tỉnh Bắc Giang', 'xã Yên Lạc, huyện Như Thanh, tỉnh Thanh Hóa',
];
const UNITS = ['Trung đoàn 141, Sư đoàn 312', 'Tiểu đoàn 4, Trung đoàn 48', 'Đại đội 2, Tiểu đoàn 8', 'Đoàn 559', 'Trung đoàn 64, Sư đoàn 320', 'Sư đoàn 308'];
const FRONTS = ['mặt trận phía Nam', 'Quảng Trị', 'Tây Nguyên', 'đường 9 Nam Lào', 'Thành cổ Quảng Trị', 'Bình Long'];

export type DossierText = { kind: 'death_notice' | 'certificate'; lines: string[]; name: string; deathYear: number; unit: string; hometown: string };

/** The text of a death notice or a certificate with made-up but plausible values. */
export function dossierText(next: () => number, kind: 'death_notice' | 'certificate' = next() < 0.6 ? 'death_notice' : 'certificate'): DossierText {
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const name = `${pick(SURNAMES)} ${pick(MIDDLE)} ${pick(GIVEN)}`;
  const born = 1940 + Math.floor(next() * 15);
  const year = 1965 + Math.floor(next() * 10);
  const day = 1 + Math.floor(next() * 28);
  const month = 1 + Math.floor(next() * 12);
  const hometown = pick(PLACES);
  const unit = pick(UNITS);
  const lines = kind === 'death_notice'
    ? ['GIẤY BÁO TỬ', `Đơn vị: ${unit}`, 'Trân trọng báo tin:', `Họ và tên: ${name}`, `Sinh năm: ${born}`, `Quê quán: ${hometown}`,
      `Nhập ngũ: tháng ${month} năm ${year - 4}`, `Cấp bậc: Hạ sĩ, chức vụ: Tiểu đội trưởng`, `Đã hy sinh ngày ${day} tháng ${month} năm ${year}`,
      `Tại: ${pick(FRONTS)}`, 'Đồng chí đã chiến đấu dũng cảm, hy sinh anh dũng.', `Ngày ${day} tháng ${month} năm ${year}`, 'Thủ trưởng đơn vị']
    : ['BẰNG TỔ QUỐC GHI CÔNG', 'Thủ tướng Chính phủ', `Tặng liệt sĩ: ${name}`, `Quê quán: ${hometown}`, `Đơn vị: ${unit}`,
      `Đã hy sinh ngày ${day} tháng ${month} năm ${year}`, 'Vì sự nghiệp giải phóng dân tộc', `Số: ${10000 + Math.floor(next() * 89999)}`, `Hà Nội, ngày ${day} tháng ${month} năm ${year + 2}`];
  return { kind, lines, name, deathYear: year, unit, hometown };
}
