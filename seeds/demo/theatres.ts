/**
 * The fronts (mặt trận) martyrs fell on: the years each was fought, what records write as the
 * place of death, and the formations that fought there (division and regiment numbers of the
 * era). Weights are shares of all martyrs; together they give about 20% for 1945-54, 65% for
 * 1955-75 and 15% for 1979-89. Formations are plausible, not a history of the order of battle.
 */

export type Era = 1 | 2 | 3;

/** A top formation ("Sư đoàn 320", "Đoàn 559") and the subordinate units that appear under it. */
export type Formation = { top: string; subs: string[] };

export type Theatre = {
  key: string;
  era: Era;
  /** Share of all martyrs (global weight). */
  weight: number;
  /** Death year → weight. */
  years: Record<number, number>;
  /** Days the main battle was fought, as [from, to] ISO dates: the share of deaths that fall inside. */
  battle?: { from: string; to: string; share: number };
  /** Place of death as written; "{province}" is the province the martyr fell in (the cemetery's). */
  places: string[];
  formations: Formation[];
  /** Share of martyrs of local forces ("Bộ đội địa phương tỉnh ...", "Du kích xã ..."). */
  local: number;
};

const div = (n: number | string, regiments: Array<number | string>, era1 = false): Formation => ({
  top: `${era1 ? 'Đại đoàn' : 'Sư đoàn'} ${n}`,
  subs: regiments.map((r) => `Trung đoàn ${r}`),
});

export const THEATRES: Theatre[] = [
  // 1945-1954: the resistance against the French.
  {
    key: 'dien-bien-phu', era: 1, weight: 5,
    years: { 1953: 15, 1954: 85 },
    battle: { from: '1954-03-13', to: '1954-05-07', share: 0.85 },
    places: ['Mặt trận Điện Biên Phủ', 'Chiến dịch Điện Biên Phủ', 'Đồi A1, Điện Biên Phủ', 'Điện Biên Phủ, Lai Châu', 'Mường Thanh, Điện Biên'],
    formations: [div(308, [36, 88, 102], true), div(312, [141, 165, 209], true), div(316, [98, 174, 176], true), div(304, [9, 57], true), div('công pháo 351', [45, 675, 237], true)],
    local: 0.02,
  },
  {
    key: 'bien-gioi-1950', era: 1, weight: 2,
    years: { 1948: 10, 1949: 15, 1950: 65, 1951: 10 },
    battle: { from: '1950-09-16', to: '1950-10-14', share: 0.5 },
    places: ['Chiến dịch Biên giới', 'Mặt trận Cao Bằng', 'Đông Khê, Cao Bằng', 'Mặt trận Lạng Sơn', 'Đường số 4'],
    formations: [div(308, [88, 102, 36], true), { top: 'Trung đoàn 174', subs: ['Tiểu đoàn 249', 'Tiểu đoàn 251'] }, { top: 'Trung đoàn 209', subs: ['Tiểu đoàn 154', 'Tiểu đoàn 166'] }],
    local: 0.25,
  },
  {
    key: 'tay-bac', era: 1, weight: 3,
    years: { 1951: 25, 1952: 40, 1953: 35 },
    places: ['Chiến dịch Hòa Bình', 'Chiến dịch Tây Bắc', 'Mặt trận Tây Bắc', 'Nà Sản, Sơn La', 'Chiến dịch Thượng Lào', 'Mặt trận Hòa Bình'],
    formations: [div(308, [36, 88, 102], true), div(312, [141, 165, 209], true), div(316, [98, 174, 176], true), div(304, [9, 57, 66], true)],
    local: 0.2,
  },
  {
    key: 'lien-khu', era: 1, weight: 6,
    years: { 1945: 3, 1946: 8, 1947: 12, 1948: 11, 1949: 12, 1950: 14, 1951: 15, 1952: 12, 1953: 9, 1954: 6 },
    places: ['Mặt trận {province}', 'Hy sinh tại quê nhà', 'Chiến trường Liên khu 3', 'Chiến trường Liên khu 4', 'Mặt trận Hà Nội', 'Chiến dịch Trung du', 'Chiến dịch Đường 18', 'Chiến dịch Hà Nam Ninh', 'Vùng địch hậu {province}'],
    formations: [div(320, [48, 52, 64], true), div(304, [9, 57, 66], true), div(308, [36, 88, 102], true), { top: 'Trung đoàn 42', subs: ['Tiểu đoàn 50', 'Tiểu đoàn 54'] }, { top: 'Trung đoàn 46', subs: ['Tiểu đoàn 73', 'Tiểu đoàn 79'] }],
    local: 0.55,
  },
  {
    key: 'nam-bo-1', era: 1, weight: 4,
    years: { 1945: 14, 1946: 14, 1947: 12, 1948: 11, 1949: 11, 1950: 11, 1951: 9, 1952: 8, 1953: 6, 1954: 4 },
    places: ['Mặt trận Nam Bộ', 'Nam Bộ kháng chiến', 'Mặt trận {province}', 'Chiến trường Liên khu 5', 'Mặt trận Bình - Trị - Thiên', 'Hy sinh tại quê nhà'],
    formations: [{ top: 'Trung đoàn 120', subs: ['Tiểu đoàn 300', 'Tiểu đoàn 302'] }, { top: 'Trung đoàn 108', subs: ['Tiểu đoàn 40', 'Tiểu đoàn 19'] }, { top: 'Trung đoàn 803', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 2'] }, div(325, [18, 95, 101], true)],
    local: 0.6,
  },
  // 1955-1975: the resistance against the Americans.
  {
    key: 'quang-tri', era: 2, weight: 12,
    years: { 1966: 5, 1967: 10, 1968: 20, 1969: 6, 1970: 5, 1971: 10, 1972: 40, 1973: 4 },
    battle: { from: '1972-06-28', to: '1972-09-16', share: 0.2 },
    places: ['Mặt trận Quảng Trị', 'Thành cổ Quảng Trị', 'Mặt trận Đường 9 - Khe Sanh', 'Chiến dịch Đường 9 - Nam Lào', 'Mặt trận Cồn Tiên - Dốc Miếu', 'Mặt trận Quảng Trị, Trị Thiên', 'Chiến trường B5'],
    formations: [div(320, [48, 52, 64]), div(304, [9, 24, 66]), div(308, [36, 88, 102]), div(325, [18, 95, 101]), div(324, [1, 2, 3]), div(312, [141, 165, 209]), { top: 'Trung đoàn 27', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 2', 'Tiểu đoàn 3'] }],
    local: 0.08,
  },
  {
    key: 'truong-son', era: 2, weight: 8,
    years: { 1965: 6, 1966: 9, 1967: 11, 1968: 16, 1969: 13, 1970: 12, 1971: 13, 1972: 11, 1973: 5, 1974: 2, 1975: 2 },
    places: ['Chiến trường Trường Sơn', 'Tuyến đường Trường Sơn', 'Đường 559', 'Trọng điểm Cua Chữ A', 'Đèo Phu La Nhích', 'Binh trạm trên tuyến Trường Sơn', 'Chiến trường Lào'],
    formations: [
      { top: 'Đoàn 559', subs: ['Binh trạm 12', 'Binh trạm 14', 'Binh trạm 31', 'Binh trạm 32', 'Binh trạm 33', 'Binh trạm 34', 'Trung đoàn 98', 'Trung đoàn 4'] },
      { top: 'Sư đoàn 470, Đoàn 559', subs: ['Trung đoàn 4', 'Trung đoàn 98'] },
      { top: 'Sư đoàn 471, Đoàn 559', subs: ['Trung đoàn 7', 'Trung đoàn 9'] },
      { top: 'Sư đoàn 473, Đoàn 559', subs: ['Trung đoàn 1', 'Trung đoàn 2'] },
      { top: 'Thanh niên xung phong', subs: ['Đại đội 552', 'Đội 33', 'Đội 65'] },
    ],
    local: 0.02,
  },
  {
    key: 'tay-nguyen', era: 2, weight: 7,
    years: { 1965: 12, 1966: 8, 1967: 14, 1968: 14, 1969: 8, 1970: 6, 1971: 5, 1972: 14, 1973: 4, 1974: 4, 1975: 11 },
    battle: { from: '1975-03-04', to: '1975-04-03', share: 0.08 },
    places: ['Mặt trận Tây Nguyên', 'Chiến trường B3', 'Mặt trận Đắk Tô', 'Mặt trận Kon Tum', 'Mặt trận Gia Lai', 'Chiến dịch Tây Nguyên', 'Buôn Ma Thuột, Đắk Lắk'],
    formations: [div(10, [24, 28, 66]), div(320, [9, 48, 64]), div(1, [66, 320, 88]), div(968, [9, 19, 29]), div(316, [148, 149, 174])],
    local: 0.1,
  },
  {
    key: 'khu-5', era: 2, weight: 8,
    years: { 1961: 3, 1962: 4, 1963: 5, 1964: 7, 1965: 12, 1966: 11, 1967: 10, 1968: 13, 1969: 9, 1970: 7, 1971: 5, 1972: 8, 1973: 3, 1974: 3, 1975: 5 },
    places: ['Chiến trường Khu 5', 'Chiến trường B1', 'Mặt trận {province}', 'Mặt trận Quảng Nam - Đà Nẵng', 'Mặt trận Quảng Ngãi', 'Mặt trận Bình Định', 'Hy sinh tại quê nhà'],
    formations: [div(2, [1, 21, 31]), div('3 Sao Vàng', [2, 12, 22]), { top: 'Trung đoàn 141', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 2'] }, { top: 'Quân khu 5', subs: ['Tiểu đoàn 70', 'Tiểu đoàn 72', 'Trung đoàn 38'] }],
    local: 0.35,
  },
  {
    key: 'tri-thien', era: 2, weight: 5,
    years: { 1965: 5, 1966: 6, 1967: 8, 1968: 40, 1969: 10, 1970: 8, 1971: 6, 1972: 8, 1973: 2, 1974: 2, 1975: 5 },
    battle: { from: '1968-01-31', to: '1968-02-24', share: 0.2 },
    places: ['Mặt trận Trị Thiên', 'Mặt trận Huế', 'Chiến trường Trị Thiên - Huế', 'Mặt trận Thừa Thiên', 'Chiến dịch Mậu Thân 1968, Huế'],
    formations: [div(324, [1, 2, 3]), div(325, [18, 95, 101]), { top: 'Trung đoàn 6', subs: ['Tiểu đoàn 800', 'Tiểu đoàn 802', 'Tiểu đoàn 806'] }, { top: 'Trung đoàn 4', subs: ['Tiểu đoàn K4B', 'Tiểu đoàn 804'] }],
    local: 0.25,
  },
  {
    key: 'mien-dong', era: 2, weight: 10,
    years: { 1960: 2, 1961: 2, 1962: 3, 1963: 4, 1964: 5, 1965: 8, 1966: 9, 1967: 10, 1968: 15, 1969: 10, 1970: 8, 1971: 7, 1972: 9, 1973: 4, 1974: 5, 1975: 8 },
    battle: { from: '1975-04-26', to: '1975-04-30', share: 0.03 },
    places: ['Chiến trường miền Nam', 'Chiến trường miền Đông Nam Bộ', 'Mặt trận {province}', 'Mặt trận Tây Ninh', 'Mặt trận Lộc Ninh', 'Chiến dịch Hồ Chí Minh', 'Chiến trường B2', 'Mặt trận Sài Gòn - Gia Định'],
    formations: [div(9, [1, 2, 3]), div(5, [4, 5, 6]), div(7, [141, 165, 209]), { top: 'Trung đoàn 271', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 2', 'Tiểu đoàn 3'] }, { top: 'Quân khu Sài Gòn - Gia Định', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 4', 'Tiểu đoàn 6'] }],
    local: 0.3,
  },
  {
    key: 'tay-nam-bo', era: 2, weight: 6,
    years: { 1959: 2, 1960: 4, 1961: 4, 1962: 5, 1963: 6, 1964: 7, 1965: 8, 1966: 8, 1967: 8, 1968: 13, 1969: 9, 1970: 7, 1971: 6, 1972: 7, 1973: 4, 1974: 5, 1975: 6 },
    places: ['Chiến trường miền Nam', 'Chiến trường miền Tây Nam Bộ', 'Chiến trường Khu 9', 'Chiến trường Khu 8', 'Mặt trận {province}', 'Hy sinh tại quê nhà'],
    formations: [{ top: 'Quân khu 9', subs: ['Trung đoàn 1', 'Trung đoàn 2', 'Tiểu đoàn 307', 'Tiểu đoàn 309'] }, { top: 'Quân khu 8', subs: ['Trung đoàn 1', 'Trung đoàn 320', 'Tiểu đoàn 261', 'Tiểu đoàn 514'] }, div(1, [101, 44])],
    local: 0.5,
  },
  {
    key: 'lao', era: 2, weight: 4,
    years: { 1960: 4, 1961: 6, 1962: 5, 1963: 4, 1964: 6, 1965: 7, 1966: 7, 1967: 8, 1968: 9, 1969: 11, 1970: 11, 1971: 11, 1972: 8, 1973: 3 },
    places: ['Chiến trường Lào', 'Chiến trường Hạ Lào', 'Cánh đồng Chum, Lào', 'Mặt trận Thượng Lào', 'Làm nhiệm vụ quốc tế tại Lào'],
    formations: [{ top: 'Đoàn 959', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 2'] }, { top: 'Đoàn 763', subs: ['Tiểu đoàn 1', 'Tiểu đoàn 3'] }, div(316, [148, 174, 176]), { top: 'Quân tình nguyện Việt Nam tại Lào', subs: ['Trung đoàn 866', 'Trung đoàn 335'] }],
    local: 0,
  },
  {
    key: 'phong-khong', era: 2, weight: 4,
    years: { 1964: 3, 1965: 15, 1966: 17, 1967: 18, 1968: 14, 1969: 2, 1970: 2, 1971: 2, 1972: 27 },
    battle: { from: '1972-12-18', to: '1972-12-29', share: 0.05 },
    places: ['Hy sinh khi chống chiến tranh phá hoại miền Bắc', 'Cầu Hàm Rồng, Thanh Hóa', 'Ngã ba Đồng Lộc, Hà Tĩnh', 'Vĩnh Linh, Quảng Trị', 'Bến phà Gianh, Quảng Bình', 'Mặt trận {province}', 'Hà Nội'],
    formations: [div('phòng không 361', ['pháo cao xạ 210', 'tên lửa 261', 'tên lửa 257']), div('phòng không 363', ['pháo cao xạ 240', 'tên lửa 285']), div('phòng không 367', ['pháo cao xạ 218', 'pháo cao xạ 230']), { top: 'Thanh niên xung phong', subs: ['Đại đội 552', 'Đội 25', 'Đội 10'] }],
    local: 0.3,
  },
  // 1977-1989: the borders, and the international duty in Cambodia and Laos.
  {
    key: 'bien-gioi-1979', era: 3, weight: 5,
    years: { 1979: 80, 1980: 5, 1981: 4, 1982: 3, 1983: 3, 1984: 3, 1985: 2 },
    battle: { from: '1979-02-17', to: '1979-03-16', share: 0.75 },
    places: ['Mặt trận biên giới phía Bắc', 'Mặt trận Lạng Sơn', 'Mặt trận Cao Bằng', 'Mặt trận Hoàng Liên Sơn', 'Mặt trận Lai Châu', 'Mặt trận Quảng Ninh', 'Bảo vệ biên giới phía Bắc'],
    formations: [div('3 Sao Vàng', [2, 12, 141]), div(337, [52, 197, 457]), div(338, [460, 461]), div(346, [246, 677, 851]), div(345, [121, 124, 151]), div(316, [98, 148, 174]), { top: 'Công an nhân dân vũ trang', subs: ['Đồn biên phòng 1', 'Đồn biên phòng 7'] }],
    local: 0.2,
  },
  {
    key: 'vi-xuyen', era: 3, weight: 4,
    years: { 1984: 40, 1985: 25, 1986: 14, 1987: 12, 1988: 6, 1989: 3 },
    places: ['Mặt trận Vị Xuyên, Hà Giang', 'Mặt trận Vị Xuyên - Hà Tuyên', 'Điểm cao 772, Vị Xuyên', 'Điểm cao 1509, Vị Xuyên', 'Mặt trận Thanh Thủy, Vị Xuyên', 'Mặt trận Hà Tuyên'],
    formations: [div(356, [149, 153, 174, 876]), div(313, [122, 82, 985]), div(312, [141, 165, 209]), div(316, [98, 148, 174]), div(325, [18, 95, 101]), div(411, [1, 2]), div(31, [39, 52, 68])],
    local: 0.08,
  },
  {
    key: 'tay-nam-campuchia', era: 3, weight: 5.5,
    years: { 1977: 3, 1978: 20, 1979: 22, 1980: 8, 1981: 6, 1982: 6, 1983: 7, 1984: 8, 1985: 8, 1986: 4, 1987: 3, 1988: 3, 1989: 2 },
    places: ['Mặt trận phía Tây Nam', 'Biên giới Tây Nam', 'Chiến trường Campuchia', 'Campuchia', 'Làm nhiệm vụ quốc tế tại Campuchia', 'Mặt trận 479, Campuchia', 'Mặt trận 579, Campuchia'],
    formations: [div(7, [141, 165, 209]), div(9, [1, 2, 3]), div(330, [1, 2, 3]), div(339, [1, 2]), div(302, [1, 2, 3]), div(5, [4, 5, 6]), div(307, [1, 2]), { top: 'Quân đoàn 4', subs: ['Sư đoàn 7', 'Sư đoàn 9', 'Sư đoàn 341'] }],
    local: 0.1,
  },
  {
    key: 'lao-3', era: 3, weight: 0.4,
    years: { 1979: 20, 1980: 15, 1981: 15, 1982: 15, 1983: 10, 1984: 10, 1985: 10, 1986: 5 },
    places: ['Làm nhiệm vụ quốc tế tại Lào', 'Chiến trường Lào'],
    formations: [{ top: 'Quân tình nguyện Việt Nam tại Lào', subs: ['Sư đoàn 968', 'Sư đoàn 2', 'Đoàn 959'] }],
    local: 0,
  },
  {
    key: 'gac-ma', era: 3, weight: 0.1,
    years: { 1988: 1 },
    battle: { from: '1988-03-14', to: '1988-03-14', share: 1 },
    places: ['Gạc Ma, Trường Sa', 'Quần đảo Trường Sa'],
    formations: [{ top: 'Lữ đoàn 146, Vùng 4 Hải quân', subs: ['Tàu HQ-604', 'Tàu HQ-605', 'Tàu HQ-505'] }],
    local: 0,
  },
];

export const THEATRE = new Map(THEATRES.map((t) => [t.key, t]));
