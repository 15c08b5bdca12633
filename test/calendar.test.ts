import assert from 'node:assert/strict';
import { localDate, localHour } from '../src/domain/common/calendar.ts';

describe('calendar: an instant in a shop’s time zone', () => {
  it('turns the date and the hour at the zone’s midnight, to the millisecond, with each answer kept for its second', () => {
    // Dubai is UTC+4: its midnight is 20:00 UTC. The same second is asked for twice first, so
    // the next call would get a kept answer if the memo looked at anything coarser than the second.
    for (let i = 0; i < 2; i++) assert.equal(localDate(new Date('2026-12-03T19:59:59.000Z'), 'Asia/Dubai'), '2026-12-03');
    assert.equal(localDate(new Date('2026-12-03T19:59:59.999Z'), 'Asia/Dubai'), '2026-12-03');
    assert.equal(localDate(new Date('2026-12-03T20:00:00.000Z'), 'Asia/Dubai'), '2026-12-04');
    assert.equal(localHour(new Date('2026-12-03T19:59:59.999Z'), 'Asia/Dubai'), 23);
    assert.equal(localHour(new Date('2026-12-03T20:00:00.000Z'), 'Asia/Dubai'), 0);
    // a half-hour zone, and back in time: the kept answer is only ever for the very second
    assert.equal(localDate(new Date('2026-12-03T18:30:00.000Z'), 'Asia/Kolkata'), '2026-12-04');
    assert.equal(localDate(new Date('2026-12-03T18:29:59.999Z'), 'Asia/Kolkata'), '2026-12-03');
    assert.equal(localHour(new Date('2026-12-03T18:29:59.999Z'), 'Asia/Kolkata'), 23);
    // an offset with seconds in it (Monrovia, UTC−0:44:30 until 1972): midnight falls on :30 of a UTC minute
    assert.equal(localDate(new Date('1971-06-01T00:44:29.999Z'), 'Africa/Monrovia'), '1971-05-31');
    assert.equal(localDate(new Date('1971-06-01T00:44:30.000Z'), 'Africa/Monrovia'), '1971-06-01');
  });

  it('keeps zones apart, and refuses an invalid instant every time', () => {
    const at = new Date('2026-12-03T21:00:00.000Z');
    assert.equal(localDate(at, 'Asia/Dubai'), '2026-12-04');
    assert.equal(localDate(at, 'America/New_York'), '2026-12-03');
    assert.equal(localDate(at, 'Asia/Dubai'), '2026-12-04');
    for (let i = 0; i < 2; i++) assert.throws(() => localDate(new Date(Number.NaN), 'Asia/Dubai'), RangeError);
  });
});
