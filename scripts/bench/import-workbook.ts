/**
 * The benchmark's provincial workbook, written in a process of its own (import-workbook.ts is
 * forked by bench:import): exceljs's writer holds every shared string until the end, and its
 * memory is not the import's, which the benchmark measures in the parent.
 */
import ExcelJS from 'exceljs';
import { encodeTcvn3 } from '../../server/imports/legacy-encodings.js';
import { createNameSource } from '../../seeds/demo/names.js';
import { createRng } from '../../seeds/demo/random.js';

export type WorkbookRequest = { file: string; rows: number; run: string; cemeteries: string[]; homes: { commune: string; district: string }[] };
export type WorkbookWritten = { bad: number; duplicates: number };

/** Relatives' family names, in a column the import must not store. */
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương'];
const UNITS = ['E141, F312', 'Trung đoàn 64, Sư đoàn 320', 'd4, E48', 'Đoàn 559', 'c2, d8, E209', 'Tiểu đoàn 3, Trung đoàn 66'];
const RANKS = ['Binh nhì', 'Binh nhất', 'Hạ sĩ', 'Trung sĩ', 'Thượng sĩ', 'Thiếu úy'];

export async function writeWorkbook({ file, rows, run, cemeteries, homes }: WorkbookRequest): Promise<WorkbookWritten> {
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const ws = writer.addWorksheet('Danh sách liệt sĩ');
  ws.addRow(['STT', 'Mã hồ sơ', 'Họ và tên', 'Năm sinh', 'Nguyên quán', 'Ngày hy sinh', 'Đơn vị', 'Cấp bậc', 'Nghĩa trang', 'Vị trí mộ', 'Tọa độ', 'Họ tên thân nhân', 'Số điện thoại']).commit();
  let bad = 0;
  let duplicates = 0;
  // Names drawn as the demo draws them (the name-frequency data): namesakes as common as in a
  // real province, so "possible duplicate" flags the rows made to repeat, not most of the file.
  const names = createNameSource();
  const rng = createRng(`bench-import-${run}`, 'names');
  let previousName = '';
  for (let i = 1; i <= rows; i++) {
    const dup = i % 50 === 0;
    const n = dup ? i - 1 : i;
    const name = dup ? previousName : names.person('male', rng).full;
    previousName = name;
    const home = homes[(n * 13) % homes.length]!;
    const birth = 1930 + (n % 30) + (dup ? 1 : 0);
    const dateForms = [`${(n % 28) + 1}/${(n % 12) + 1}/${birth + 20}`, `${(n % 12) + 1}/${birth + 20}`, String(birth + 20), `T${(n % 12) + 1}/${birth + 20}`, `tháng ${(n % 12) + 1} năm ${birth + 20}`];
    let death = dateForms[n % dateForms.length]!;
    let cemetery = cemeteries[n % cemeteries.length]!;
    let coords = `${(20.6 + (i % 1000) / 100000).toFixed(6)}, ${(106.0 + (i % 997) / 100000).toFixed(6)}`;
    if (i % 20 === 7) {
      bad++;
      const kind = (i / 20) % 3 | 0;
      if (kind === 0) death = '32/13/1970';
      else if (kind === 1) cemetery = 'Nghĩa trang không có trong tỉnh';
      else coords = '2345678.12, 567890.55';
    }
    if (dup) duplicates++;
    const plot = `K${run}${i % 50}-${Math.floor(i / 50) % 100}-${Math.floor(i / 5000)}`;
    ws.addRow([
      i, `${run}-${i}`, i % 10 === 0 ? name.toUpperCase() : name, i % 4 === 0 ? `${(n % 12) + 1}/${birth}` : birth,
      i % 3 === 0 ? `${home.commune} - ${home.district} - Hưng Yên` : `xã ${home.commune}, huyện ${home.district}, tỉnh Hưng Yên`,
      death, encodeTcvn3(UNITS[n % UNITS.length]!), RANKS[n % RANKS.length], cemetery, plot, coords, `${FAMILY[(i + 3) % FAMILY.length]} Thị Mai`, `09${String(10_000_000 + i).slice(-8)}`,
    ]).commit();
  }
  ws.commit();
  await writer.commit();
  return { bad, duplicates };
}

// Forked by bench:import: one request in, the counts out.
if (process.send) {
  process.once('message', async (request: WorkbookRequest) => {
    process.send!(await writeWorkbook(request), () => process.exit(0));
  });
}
