/** The parsing rules of provincial imports, one by one. */
import { describe, expect, it } from 'vitest';
import { normaliseName, parseConfidential, parseCoordinates, parsePlot, parseRecordDate } from '../../server/imports/cell-parsers.js';
import { decodeTcvn3, decodeVni, detectTextEncoding, encodeTcvn3, encodeVni } from '../../server/imports/legacy-encodings.js';
import { mappingProblems, proposeMapping, recogniseHeader, runHash } from '../../server/imports/mapping.js';
import { HometownResolver } from '../../server/imports/hometown.js';
import { looksSame, readAhead } from '../../server/imports/import-run.js';

describe('partial dates as records write them', () => {
  it.each([
    ['12/8/1972', { year: 1972, month: 8, day: 12 }],
    ['12-08-1972', { year: 1972, month: 8, day: 12 }],
    ['8/1972', { year: 1972, month: 8, day: null }],
    ['1972', { year: 1972, month: null, day: null }],
    ['T8/1972', { year: 1972, month: 8, day: null }],
    ['tháng 8 năm 1972', { year: 1972, month: 8, day: null }],
    ['ngày 12 tháng 8 năm 1972', { year: 1972, month: 8, day: 12 }],
    ['1972-08-12', { year: 1972, month: 8, day: 12 }],
  ])('reads "%s"', (text, expected) => expect(parseRecordDate(text)).toEqual(expected));

  it('reads Excel serial numbers and date cells, and a year typed as a number', () => {
    expect(parseRecordDate(26523)).toEqual({ year: 1972, month: 8, day: 12 });
    expect(parseRecordDate(new Date(Date.UTC(1972, 7, 12)))).toEqual({ year: 1972, month: 8, day: 12 });
    expect(parseRecordDate(1948)).toEqual({ year: 1948, month: null, day: null });
  });

  it('"không rõ" is no date; an unreadable date is a problem, never a made-up 1 January', () => {
    expect(parseRecordDate('không rõ')).toBeNull();
    expect(parseRecordDate('')).toBeNull();
    expect(parseRecordDate('31/2/1972')).toEqual({ problem: 'date_day' });
    expect(parseRecordDate('13/13/1972')).toEqual({ problem: 'date_month' });
    expect(parseRecordDate('mùa xuân 1972')).toEqual({ problem: 'date_unreadable' });
  });
});

describe('names', () => {
  it('changes case only of cells all in capitals or all in small letters', () => {
    expect(normaliseName('NGUYỄN VĂN THÀNH')).toBe('Nguyễn Văn Thành');
    expect(normaliseName('nguyễn văn thành')).toBe('Nguyễn Văn Thành');
    expect(normaliseName('Y Bih')).toBe('Y Bih');
    expect(normaliseName("K'sor")).toBe("K'sor");
    expect(normaliseName('Nguye\u0302\u0303n  Văn')).toBe('Nguyễn Văn');
  });
});

describe('plots and coordinates', () => {
  it.each([
    ['Khu A, hàng 3, mộ số 12', { section: 'A', sectionKind: 'khu', row: '3', number: '12' }],
    ['A-3-12', { section: 'A', sectionKind: 'khu', row: '3', number: '12' }],
    ['Lô B2 H5 M17', { section: 'B2', sectionKind: 'lo', row: '5', number: '17' }],
    ['hàng 3 mộ 12', { section: null, sectionKind: 'khu', row: '3', number: '12' }],
  ])('reads "%s"', (text, expected) => expect(parsePlot(text)).toEqual(expected));

  it('refuses what is not a plot', () => expect(parsePlot('gần cổng chính')).toEqual({ problem: 'plot_unreadable' }));

  it('reads WGS84 decimal and degrees-minutes-seconds; refuses VN-2000 metres with their own reason', () => {
    expect(parseCoordinates('21.0285, 105.8542')).toEqual({ lat: 21.0285, lng: 105.8542 });
    expect(parseCoordinates('21,0285 105,8542')).toEqual({ lat: 21.0285, lng: 105.8542 });
    const dms = parseCoordinates(`21°01'42.6"N 105°51'15.1"E`) as { lat: number; lng: number };
    expect(dms.lat).toBeCloseTo(21.0285, 3);
    expect(dms.lng).toBeCloseTo(105.8542, 3);
    expect(parseCoordinates('2325456.12, 583456.33')).toEqual({ problem: 'coordinates_vn2000' });
    expect(parseCoordinates('48.85, 2.35')).toEqual({ problem: 'coordinates_outside' });
  });

  it('reads confidentiality cells', () => {
    expect(parseConfidential('Mật')).toBe(true);
    expect(parseConfidential('')).toBe(false);
    expect(parseConfidential('có lẽ')).toEqual({ problem: 'confidential_unreadable' });
  });
});

describe('legacy encodings', () => {
  it('decodes the issue\'s examples', () => {
    expect(decodeTcvn3('NguyÔn')).toBe('Nguyễn');
    expect(decodeVni('Nguyeãn')).toBe('Nguyễn');
    expect(decodeVni('Phöôùc')).toBe('Phước');
  });

  it('round-trips names through both tables', () => {
    for (const name of ['Nguyễn Văn Thành', 'Đặng Thị Hường', 'Lê Quý Đôn', 'Trần Hưng Đạo', 'Hồ Xuân Hương']) {
      expect(decodeTcvn3(encodeTcvn3(name))).toBe(name);
      expect(decodeVni(encodeVni(name))).toBe(name);
    }
  });

  it('tells Unicode, TCVN3 and VNI apart', () => {
    expect(detectTextEncoding(['Nguyên quán', 'không rõ', 'Hà Tây'])).toBe('unicode');
    expect(detectTextEncoding([encodeTcvn3('Nguyễn Văn Thành'), encodeTcvn3('Quê quán')])).toBe('tcvn3');
    expect(detectTextEncoding([encodeVni('Nguyễn Văn Thành'), encodeVni('Quê quán')])).toBe('vni');
    expect(detectTextEncoding(['1948', '12/8/1972'])).toBe('unicode');
  });
});

describe('column mapping', () => {
  it('recognises headers as provinces write them', () => {
    expect(['Họ và tên', 'Họ tên LS', 'Năm sinh', 'Ngày sinh', 'Nguyên quán', 'Quê quán', 'Ngày hy sinh', 'Năm hy sinh', 'Nơi hy sinh', 'Đơn vị', 'Cấp bậc', 'Chức vụ', 'Số bằng TQGC', 'Ngày cấp bằng', 'Nơi an táng', 'Nghĩa trang', 'Khu', 'Lô', 'Hàng', 'Số mộ', 'Vị trí mộ', 'Tọa độ', 'Bí danh', 'Mã hồ sơ'].map(recogniseHeader))
      .toEqual(['full_name', 'full_name', 'birth', 'birth', 'hometown', 'hometown', 'death', 'death', 'place_of_death', 'unit', 'rank', 'position', 'certificate_number', 'certificate_date', 'cemetery', 'cemetery', 'section', 'section', 'row', 'plot_number', 'plot', 'coordinates', 'aliases', 'source_id']);
    expect(recogniseHeader('Số điện thoại')).toBeNull();
  });

  it('prefers the mapping saved for the source, and says when nothing maps', () => {
    const m = proposeMapping(['Tên', 'Ghi chú'], { 'ghi chu': 'unit' }, [], 1);
    expect(m.columns.map((c) => c.field)).toEqual(['full_name', 'unit']);
    expect(mappingProblems(proposeMapping(['a', 'b'], {}, [], 1))).toEqual(['mapping_empty']);
  });

  it('hashes exactly what a dry run read', () => {
    const mapping = proposeMapping(['Họ và tên'], {}, [], 1);
    const base = { fileSha256: 'a'.repeat(64), encoding: 'utf-8', delimiter: ',', mapping, visibility: 'public', createCemeteries: false };
    expect(runHash(base)).toBe(runHash({ ...base }));
    expect(runHash(base)).not.toBe(runHash({ ...base, visibility: 'confidential' }));
    expect(runHash(base)).not.toBe(runHash({ ...base, fileSha256: 'b'.repeat(64) }));
  });
});

describe('hometowns and duplicates', () => {
  const resolver = new HometownResolver({
    oldProvinces: [{ code: '33', name: 'Hưng Yên', newCode: '33' }, { code: '40', name: 'Nghệ An', newCode: '40' }, { code: '42', name: 'Hà Tĩnh', newCode: '42' }],
    oldDistricts: [{ code: '332', provinceCode: '33', name: 'Tiên Lữ' }, { code: '430', provinceCode: '40', name: 'Nam Đàn' }],
    oldCommunes: [{ code: '12367', districtCode: '332', name: 'Thủ Sỹ' }, { code: '17971', districtCode: '430', name: 'Kim Liên' }],
    provinces: [{ code: '33', name: 'Hưng Yên' }, { code: '40', name: 'Nghệ An' }, { code: '42', name: 'Hà Tĩnh' }],
    communes: [{ code: '11977', provinceCode: '33', name: 'Tiên Hoa' }],
    historical: [{ name: 'Nghệ Tĩnh', oldCodes: ['40', '42'] }],
    communeMapping: [{ oldCode: '12367', newCode: '11977' }],
  });

  it.each(['xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', 'Thủ Sỹ - Tiên Lữ - Hưng Yên', 'X. Thủ Sỹ, H. Tiên Lữ, T. Hưng Yên', 'X.Thủ Sỹ H.Tiên Lữ T.Hưng Yên'])('resolves "%s" to the commune', (text) => {
    expect(resolver.resolve(text)).toMatchObject({ oldCommuneCode: '12367', oldDistrictCode: '332', communeCode: '11977', provinceCode: '33', confidence: 'commune' });
  });

  it('resolves a historical province through its district; alone it stays unresolved', () => {
    expect(resolver.resolve('xã Kim Liên, huyện Nam Đàn, tỉnh Nghệ Tĩnh')).toMatchObject({ oldCommuneCode: '17971', provinceCode: '40', confidence: 'commune' });
    expect(resolver.resolve('Nghệ Tĩnh')).toMatchObject({ provinceCode: null, confidence: 'none' });
    expect(resolver.resolve('Hưng Yên')).toMatchObject({ provinceCode: '33', confidence: 'province' });
  });

  it('flags the same name, birth ± 1 and hometown or unit as a possible duplicate', () => {
    const a = { name: 'nguyen van thanh', birthYear: 1948, hometown: '12367', deathYear: 1972, unit: '' };
    expect(looksSame(a, { ...a, birthYear: 1949 })).toBe(true);
    expect(looksSame(a, { ...a, birthYear: 1951 })).toBe(false);
    expect(looksSame(a, { ...a, hometown: 'x', unit: '' })).toBe(false);
    expect(looksSame(a, { ...a, deathYear: 1975 })).toBe(false);
  });
});

describe('reading ahead while the caller writes', () => {
  it('hands every chunk over in order, reading the next one before it is asked for', async () => {
    const read: number[] = [];
    async function* chunks() {
      for (let i = 1; i <= 3; i++) {
        read.push(i);
        yield i;
      }
    }
    const seen: { chunk: number; readBefore: number[] }[] = [];
    for await (const chunk of readAhead(chunks())) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push({ chunk, readBefore: [...read] });
    }
    expect(seen).toEqual([{ chunk: 1, readBefore: [1, 2] }, { chunk: 2, readBefore: [1, 2, 3] }, { chunk: 3, readBefore: [1, 2, 3] }]);
  });

  it('gives a failure of the chunk read ahead to the caller when it asks for that chunk, after the one before', async () => {
    async function* chunks() {
      yield 1;
      throw new Error('row 1001 unreadable');
    }
    const got: number[] = [];
    await expect((async () => {
      for await (const chunk of readAhead(chunks())) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        got.push(chunk);
      }
    })()).rejects.toThrow('row 1001 unreadable');
    expect(got).toEqual([1]);
  });

  it('closes the source when the caller stops early', async () => {
    let closed = false;
    async function* chunks() {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const chunk of readAhead(chunks())) if (chunk === 2) break;
    expect(closed).toBe(true);
  });
});
