/**
 * A dossier as one PDF: the record sheet first, then every page the exporter may read, each page
 * watermarked with who exported it and when. Built with pdf-lib from the rendered page images (never
 * from the originals, so nothing of an uploaded PDF but its pixels leaves). The sheet and the
 * watermark are drawn as images by sharp with DejaVu Sans: pdf-lib's standard fonts have no
 * Vietnamese letters.
 */
import { PDFDocument, degrees } from 'pdf-lib';
import sharp from 'sharp';

const A4 = { width: 595.28, height: 841.89 };

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export type SheetLine = { label: string; value: string };

async function sheetImage(title: string, lines: SheetLine[], footer: string): Promise<Buffer> {
  const width = 1240;
  const height = 1754;
  const rows = lines
    .map((l, i) => `<text x="90" y="${260 + i * 64}" font-size="30" font-family="DejaVu Sans" fill="#444">${escapeXml(l.label)}</text>
      <text x="470" y="${260 + i * 64}" font-size="30" font-family="DejaVu Sans" fill="#000">${escapeXml(l.value.slice(0, 70))}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#fff"/>
    <text x="90" y="150" font-size="46" font-weight="bold" font-family="DejaVu Sans">${escapeXml(title)}</text>
    ${rows}
    <text x="90" y="${height - 90}" font-size="24" font-family="DejaVu Sans" fill="#555">${escapeXml(footer)}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function watermarkImage(text: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1800" height="90">
    <text x="10" y="62" font-size="48" font-family="DejaVu Sans" fill="#b00000">${escapeXml(text)}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export type ExportInput = {
  title: string;
  sheet: SheetLine[];
  /** "Xuất bởi … lúc …": on every page. */
  watermark: string;
  pages: { jpeg: () => Promise<Buffer>; caption: string }[];
};

export async function buildDossierPdf(input: ExportInput): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(input.title);
  pdf.setSubject(input.watermark);
  pdf.setProducer('Tìm mộ liệt sĩ');
  pdf.setCreationDate(new Date());
  const mark = await pdf.embedPng(await watermarkImage(input.watermark));
  const stamp = (page: ReturnType<PDFDocument['addPage']>) => {
    const { width, height } = page.getSize();
    const w = width * 0.9;
    const h = (w * mark.height) / mark.width;
    page.drawImage(mark, { x: width * 0.05, y: 14, width: w, height: h, opacity: 0.85 });
    page.drawImage(mark, { x: width * 0.12, y: height * 0.3, width: w, height: h, opacity: 0.18, rotate: degrees(35) });
  };
  const sheet = await pdf.embedPng(await sheetImage(input.title, input.sheet, input.watermark));
  const first = pdf.addPage([A4.width, A4.height]);
  first.drawImage(sheet, { x: 0, y: 0, width: A4.width, height: A4.height });
  stamp(first);
  for (const p of input.pages) {
    const image = await pdf.embedJpg(await p.jpeg());
    const scale = Math.min(A4.width / image.width, A4.height / image.height);
    const page = pdf.addPage([A4.width, A4.height]);
    page.drawImage(image, { x: (A4.width - image.width * scale) / 2, y: (A4.height - image.height * scale) / 2, width: image.width * scale, height: image.height * scale });
    stamp(page);
  }
  return Buffer.from(await pdf.save());
}
