/**
 * The privacy matrix, extended to the coverage page (/quan-ly/tong-quan, its downloads and its area
 * pages): a staff surface, so the rule is scope rather than the public views. Against the same
 * confidential records as test/integration/privacy-matrix.test.ts (setup copied, not shared, to
 * keep merges clean): nobody signed out gets a figure; what staff get are counts, never a name, a
 * headstone's words or a note; an area outside a user's scope answers exactly as one that does not
 * exist.
 */
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshCoverageViews } from '../../server/coverage/coverage-views.queries.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { secretChecker } from '../support/secrets.js';

const CONFIDENTIAL = {
  alone: { full_name: 'Lê Văn Kín Đáo', unit: 'Trung đoàn Kín Đáo 901', hometown_text: 'Xóm Kín Đáo, Hà Tĩnh', place_of_death: 'Đồi Kín Đáo 902' },
  partial: { full_name: 'Tạ Văn Giấu Tên', unit: 'Đại đội Giấu Tên 905', hometown_text: 'Thôn Giấu Tên', place_of_death: 'Dốc Giấu Tên 906' },
};
const HEADSTONES = {
  alone: { inscription: 'LIỆT SĨ LÊ VĂN KÍN ĐÁO 1970' },
  partial: { inscription: 'LIỆT SĨ GIẤU TÊN E905', known_name: 'Liệt sĩ Giấu Tên Bia', known_unit: 'E905 Bia Giấu', known_hometown: 'Quê Bia Giấu', known_place_of_death: 'Nơi Bia Giấu', known_death_year: 1971 },
};
const NOTE = 'Ghi chú nội bộ không công bố 907';
const SENDER = { sender_name: 'Người Gửi Riêng Tư 908', sender_contact: 'rieng.tu.908@example.vn' };
const SECRETS = [
  ...Object.values(CONFIDENTIAL).flatMap((m) => Object.values(m)),
  ...Object.values(HEADSTONES).flatMap((h) => Object.values(h).filter((v): v is string => typeof v === 'string')),
  NOTE, SENDER.sender_name, SENDER.sender_contact,
];

const expectNoSecret = secretChecker(SECRETS);

describe('the coverage page keeps to scope and shows counts only', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let national: SignedIn;
  let otherProvince: SignedIn;
  let otherCemetery: SignedIn;

  beforeAll(async () => {
    t = await createTestDatabase('privacycoverage');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    let plot = 900;
    const grave = async (extra: Record<string, unknown>) =>
      Number((await db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '90', plot_number: String(++plot), ...extra }).returning('id'))[0]!.id);
    const alone = await grave({ state: 'identified', ...HEADSTONES.alone });
    const partial = await grave({ state: 'partial', ...HEADSTONES.partial });
    await db('martyrs').insert({ ...CONFIDENTIAL.alone, gender: 'male', is_public: false, internal_notes: NOTE, grave_id: alone });
    const [m] = await db('martyrs').insert({ ...CONFIDENTIAL.partial, gender: 'male', is_public: false, internal_notes: NOTE, grave_id: partial }).returning('id');
    await db('submissions').insert({ tracking_code: 'CV-PRIV-0001', kind: 'martyr_correction', martyr_id: m.id, province_code: '42', message: 'Có thông tin', ...SENDER });
    await refreshCoverageViews(db);
    app = await testApp(db);
    national = await signIn(app, (await createStaff(db, [{ role: 'admin', provinceCode: null, cemeteryId: null }])).email);
    otherProvince = await signIn(app, (await createStaff(db, [{ role: 'province_officer', provinceCode: '44', cemeteryId: null }])).email);
    otherCemetery = await signIn(app, (await createStaff(db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }])).email);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const addresses = () => [
    '/quan-ly/tong-quan',
    '/quan-ly/tong-quan?level=cemetery',
    '/quan-ly/tong-quan?level=old_province',
    '/quan-ly/tong-quan.csv?level=cemetery',
    '/quan-ly/tong-quan.xlsx?level=cemetery',
    '/quan-ly/tong-quan/tinh/42',
    '/quan-ly/tong-quan/tinh-2008/42',
    `/quan-ly/tong-quan/nghia-trang/${fx.cemeteries.haTinh}`,
  ];

  it('gives no figure to anyone signed out, as a page or as JSON', async () => {
    for (const url of addresses()) {
      const page = await request(app).get(url).set('Accept', 'text/html');
      expect(page.status, url).toBe(303);
      expect(page.headers.location, url).toMatch(/^\/quan-ly\/dang-nhap\?next=/);
      const json = await request(app).get(url).set('Accept', 'application/json');
      expect(json.status, url).toBe(401);
      expect(json.body.error.code).toBe('sign_in_required');
    }
  });

  it('shows staff counts, never a confidential name, a withheld headstone, a note or a sender', async () => {
    for (const url of addresses()) {
      const res = await national.agent.get(url).buffer(true);
      expect(res.status, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expectNoSecret(url, url.includes('.xlsx') ? '' : res.text);
    }
    // The confidential graves are counted all the same: staff figures are about the ground.
    const csv = (await national.agent.get('/quan-ly/tong-quan.csv?level=cemetery&lang=en')).text;
    const line = csv.split('\r\n').find((l) => l.startsWith(`${fx.cemeteries.haTinh},`))!;
    const graves = Number((await t.db('graves').where({ cemetery_id: fx.cemeteries.haTinh }).count({ n: '*' }))[0]!.n);
    expect(line.split(',')[3]).toBe(String(graves));
  });

  it('answers an area outside the scope exactly as one that does not exist', async () => {
    const outside = await otherProvince.agent.get('/quan-ly/tong-quan/tinh/42');
    const unknown = await otherProvince.agent.get('/quan-ly/tong-quan/tinh/99');
    expect(outside.status).toBe(404);
    expect(unknown.status).toBe(404);
    // The same page, but for the address it names (the language switch links back to it).
    expect(outside.text.replaceAll('tinh/42', 'tinh/N')).toBe(unknown.text.replaceAll('tinh/99', 'tinh/N'));
    for (const url of [`/quan-ly/tong-quan/nghia-trang/${fx.cemeteries.haTinh}`, '/quan-ly/tong-quan/tinh-2008/42']) {
      expect((await otherProvince.agent.get(url)).status, url).toBe(404);
      expect((await otherCemetery.agent.get(url)).status, url).toBe(404);
    }
    // Their own downloads hold only their own rows.
    const theirs = (await otherProvince.agent.get('/quan-ly/tong-quan.csv?level=cemetery')).text;
    expect(theirs).not.toContain('Hà Tĩnh');
    expect(theirs).toContain('Trường Sơn');
    const staffs = (await otherCemetery.agent.get('/quan-ly/tong-quan.csv')).text.trimEnd().split('\r\n');
    expect(staffs).toHaveLength(2);
  });
});
