import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TariffError } from './errors.js';
import { formatOcpiDateTime, parseOcpiDateTime, ZoneClock } from './time.js';

describe('OCPI DateTime', () => {
  it('reads UTC with or without Z and with fractional seconds', () => {
    assert.equal(parseOcpiDateTime('2015-06-29T20:39:09Z'), Date.UTC(2015, 5, 29, 20, 39, 9));
    assert.equal(parseOcpiDateTime('2015-06-29T20:39:09'), Date.UTC(2015, 5, 29, 20, 39, 9));
    assert.equal(parseOcpiDateTime('2016-12-29T17:45:09.2Z'), Date.UTC(2016, 11, 29, 17, 45, 9, 200));
    assert.equal(parseOcpiDateTime('2018-01-01T01:08:01.123'), Date.UTC(2018, 0, 1, 1, 8, 1, 123));
    assert.equal(parseOcpiDateTime('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  });

  it('refuses offsets, impossible dates and other shapes', () => {
    for (const text of ['2015-06-29T20:39:09+02:00', '2023-02-29T00:00:00Z', '2015-06-29 20:39:09', '2015-13-01T00:00:00Z', '2015-06-29T24:00:00Z', '2015-06-29T20:39:09.Z']) {
      assert.ok(Number.isNaN(parseOcpiDateTime(text)), text);
    }
  });

  it('formats without milliseconds unless there are some', () => {
    assert.equal(formatOcpiDateTime(Date.UTC(2024, 0, 1, 9)), '2024-01-01T09:00:00Z');
    assert.equal(formatOcpiDateTime(Date.UTC(2024, 0, 1, 9, 0, 0, 5)), '2024-01-01T09:00:00.005Z');
  });
});

describe('ZoneClock', () => {
  it('gives local time of day, date and weekday in the location time zone', () => {
    const berlin = ZoneClock.for('Europe/Berlin');
    // 2024-03-31 is the spring-forward Sunday in Europe: 01:00Z is 03:00 CEST.
    assert.deepEqual(berlin.local(Date.UTC(2024, 2, 31, 0, 59)), { minuteOfDay: 1 * 60 + 59, date: 20240331, dayOfWeek: 6 });
    assert.deepEqual(berlin.local(Date.UTC(2024, 2, 31, 1, 0)), { minuteOfDay: 3 * 60, date: 20240331, dayOfWeek: 6 });
    assert.deepEqual(berlin.local(Date.UTC(2024, 2, 31, 22, 30)), { minuteOfDay: 30, date: 20240401, dayOfWeek: 0 });
    assert.deepEqual(ZoneClock.for('America/New_York').local(Date.UTC(2024, 0, 1, 3)), { minuteOfDay: 22 * 60, date: 20231231, dayOfWeek: 6 });
    assert.deepEqual(ZoneClock.for('UTC').local(Date.UTC(2024, 0, 1, 3)), { minuteOfDay: 180, date: 20240101, dayOfWeek: 0 });
  });

  it('finds the instant of a local time, across a transition', () => {
    const berlin = ZoneClock.for('Europe/Berlin');
    assert.equal(berlin.instantOf(20240330, 17 * 60), Date.UTC(2024, 2, 30, 16));
    assert.equal(berlin.instantOf(20240331, 17 * 60), Date.UTC(2024, 2, 31, 15));
    assert.deepEqual(berlin.transitionsBetween(Date.UTC(2024, 2, 30), Date.UTC(2024, 3, 2)), [Date.UTC(2024, 2, 31, 1)]);
  });

  it('keeps offsets right on every quarter hour of a day with a transition', () => {
    const clock = ZoneClock.for('Europe/Amsterdam');
    const reference = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    for (let at = Date.UTC(2024, 9, 26, 20); at < Date.UTC(2024, 9, 27, 6); at += 7 * 60_000) {
      const { minuteOfDay } = clock.local(at);
      const [h, m] = reference.format(at).split(':').map(Number);
      assert.equal(minuteOfDay, h! * 60 + m!, new Date(at).toISOString());
    }
  });

  it('refuses an unknown zone with a clear error', () => {
    assert.throws(() => ZoneClock.for('Mars/Olympus'), (e: unknown) => e instanceof TariffError && e.code === 'UNKNOWN_TIME_ZONE' && /Mars\/Olympus/.test(e.message));
    assert.equal(ZoneClock.isKnown('Europe/Amsterdam'), true);
  });
});
