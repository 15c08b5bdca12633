/** The pages' formatting of dates (public/src/format.ts), in each of the shop's date formats. */
import assert from 'node:assert/strict';
import { DEFAULT_LOCALE, formatter } from '../public/src/format.ts';
import { DATE_FORMATS } from '../src/domain/settings/schema.ts';

describe('page formatting', () => {
  it('writes dates and year-less chart labels in every date format', () => {
    const cases: [string, string, string][] = [
      ['DD/MM/YYYY', '09/03/2026', '09/03'],
      ['MM/DD/YYYY', '03/09/2026', '03/09'],
      ['YYYY-MM-DD', '2026-03-09', '03-09'],
      ['DD-MM-YYYY', '09-03-2026', '09-03'],
      ['DD.MM.YYYY', '09.03.2026', '09.03'],
    ];
    assert.deepEqual(cases.map((c) => c[0]).sort(), [...DATE_FORMATS].sort(), 'every format the settings accept');
    for (const [date_format, full, short] of cases) {
      const f = formatter({ ...DEFAULT_LOCALE, date_format });
      assert.deepEqual([f.date('2026-03-09'), f.shortDate('2026-03-09')], [full, short], date_format);
    }
  });

  it("takes today in the shop's time zone, not UTC", () => {
    const dubai = formatter({ ...DEFAULT_LOCALE, timezone: 'Asia/Dubai' }).today();
    const expected = new Date(Date.now() + 4 * 3600_000).toISOString().slice(0, 10);
    assert.equal(dubai, expected);
    assert.match(formatter({ ...DEFAULT_LOCALE, timezone: 'America/Los_Angeles' }).today(), /^\d{4}-\d{2}-\d{2}$/);
  });
});
