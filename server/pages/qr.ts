import QRCode from 'qrcode';
import { escapeXml } from './map-svg.js';

/**
 * A QR code of a page's URL as inline SVG (a couple of KB), labelled for screen readers. Error
 * correction M: the printed sheet may be folded or worn at the cemetery.
 */
export async function qrSvg(url: string, label: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return svg.replace('<svg ', `<svg class="qr" role="img" aria-label="${escapeXml(label)}" `);
}
