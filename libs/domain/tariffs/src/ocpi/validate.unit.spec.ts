import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aPriceComponent, aTariff, anElement } from '../testing/index.js';
import { TariffError } from '../shared/errors.js';
import { parseCdr, parseTariff, validateCdr, validateTariff } from './validate.js';

const issuesOf = (result: { ok: boolean; issues?: readonly string[] }) => (result.ok ? [] : result.issues!);
const aCdr = (override: Record<string, unknown> = {}) => ({
  start_date_time: '2024-03-01T10:00:00Z',
  end_date_time: '2024-03-01T11:00:00Z',
  currency: 'EUR',
  charging_periods: [{ start_date_time: '2024-03-01T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }, { type: 'TIME', volume: 1 }] }],
  ...override,
});

describe('validateTariff', () => {
  it('accepts a well-formed tariff', () => {
    assert.deepEqual(issuesOf(validateTariff(aTariff())), []);
  });

  it('names the path of a bad step_size', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ type: 'FLAT', price: 1 }), aPriceComponent({ step_size: 0 })])] });
    assert.deepEqual(issuesOf(validateTariff(tariff)), ['elements[0].price_components[1].step_size: expected a positive integer']);
  });

  it('allows step_size 0 on FLAT, as the spec\'s Free of Charge example does', () => {
    const tariff = aTariff({ elements: [anElement([{ type: 'FLAT', price: 0, step_size: 0 }])] });
    assert.deepEqual(issuesOf(validateTariff(tariff)), []);
  });

  it('reports every problem, each with its field path', () => {
    const issues = issuesOf(
      validateTariff({
        country_code: 'NLD',
        party_id: 'RGT',
        id: 'T1',
        currency: 'euro',
        type: 'CHEAP',
        elements: [
          { price_components: [{ type: 'KWH', price: -1, step_size: 1.5, vat: 'x' }], restrictions: { start_time: '7:00', day_of_week: ['MON'], max_kwh: -2 } },
          { price_components: [] },
        ],
        last_updated: '2024-01-01 00:00:00',
      }),
    );
    assert.deepEqual(issues, [
      'country_code: expected a string of 1 to 2 printable ASCII characters',
      'currency: expected an ISO 4217 currency code such as EUR',
      'type: expected one of AD_HOC_PAYMENT, PROFILE_CHEAP, PROFILE_FAST, PROFILE_GREEN, REGULAR',
      'elements[0].restrictions.start_time: expected a time of day such as 13:30',
      'elements[0].restrictions.max_kwh: expected a number >= 0',
      'elements[0].restrictions.day_of_week[0]: expected one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY',
      'elements[0].price_components[0].type: expected one of ENERGY, FLAT, PARKING_TIME, TIME',
      'elements[0].price_components[0].price: expected a number >= 0',
      'elements[0].price_components[0].vat: expected a number',
      'elements[0].price_components[0].step_size: expected a positive integer',
      'elements[1].price_components: expected a non-empty array',
      'last_updated: expected an OCPI DateTime such as 2019-06-23T08:16:02Z',
    ]);
  });

  it('rejects ENERGY or PARKING_TIME in a reservation element', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ type: 'ENERGY' })], { reservation: 'RESERVATION' })] });
    assert.deepEqual(issuesOf(validateTariff(tariff)), ['elements[0].price_components[0].type: a reservation element allows only FLAT and TIME']);
  });

  it('rejects two components of one dimension in an element', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent(), aPriceComponent({ price: 0.3 })])] });
    assert.match(issuesOf(validateTariff(tariff))[0]!, /^elements\[0\]\.price_components\[1\]\.type: ENERGY appears twice/);
  });

  it('rejects restrictions that can never hold and bounds that contradict', () => {
    const tariff = aTariff({
      min_price: { excl_vat: 10, incl_vat: 12 },
      max_price: { excl_vat: 5, incl_vat: 6 },
      elements: [anElement([aPriceComponent()], { min_kwh: 20, max_kwh: 10, start_date: '2024-02-01', end_date: '2024-01-01' })],
    });
    assert.deepEqual(issuesOf(validateTariff(tariff)), [
      'max_price.excl_vat: expected at least min_price.excl_vat (10)',
      'max_price.incl_vat: expected at least min_price.incl_vat (12)',
      'elements[0].restrictions.max_kwh: expected more than min_kwh (20): the element could never apply',
      'elements[0].restrictions.end_date: expected a date after start_date (end_date is exclusive)',
    ]);
  });

  it('accepts every OCPI DateTime form of types.asciidoc and refuses offsets', () => {
    for (const at of ['2015-06-29T20:39:09Z', '2015-06-29T20:39:09', '2016-12-29T17:45:09.2Z', '2018-01-01T01:08:01.123']) {
      assert.deepEqual(issuesOf(validateTariff(aTariff({ last_updated: at }))), [], at);
    }
    for (const at of ['2015-06-29T20:39:09+00:00', '2015-02-30T00:00:00Z', '2015-06-29']) {
      assert.equal(issuesOf(validateTariff(aTariff({ last_updated: at }))).length, 1, at);
    }
  });

  it('parseTariff throws a TariffError carrying the issues', () => {
    assert.throws(
      () => parseTariff({ ...aTariff(), currency: 'eur' }),
      (e: unknown) => e instanceof TariffError && e.code === 'INVALID_TARIFF' && e.issues[0] === 'currency: expected an ISO 4217 currency code such as EUR',
    );
  });
});

describe('validateCdr', () => {
  it('accepts the fields pricing reads and ignores the rest', () => {
    assert.deepEqual(issuesOf(validateCdr({ ...aCdr(), cdr_token: { anything: true } })), []);
  });

  it('names a bad dimension volume by its path', () => {
    const cdr = aCdr();
    (cdr.charging_periods as { dimensions: { volume: unknown }[] }[])[0]!.dimensions[1]!.volume = '1';
    assert.deepEqual(issuesOf(validateCdr(cdr)), ['charging_periods[0].dimensions[1].volume: expected a number']);
  });

  it('requires periods in order, inside the session', () => {
    const issues = issuesOf(
      validateCdr(
        aCdr({
          charging_periods: [
            { start_date_time: '2024-03-01T10:30:00Z', dimensions: [{ type: 'TIME', volume: 0.5 }] },
            { start_date_time: '2024-03-01T10:10:00Z', dimensions: [{ type: 'TIME', volume: 0.5 }] },
            { start_date_time: '2024-03-01T12:00:00Z', dimensions: [{ type: 'TIME', volume: 0.5 }] },
          ],
        }),
      ),
    );
    assert.deepEqual(issues, [
      'charging_periods[1].start_date_time: expected a time at or after the previous period start',
      'charging_periods[2].start_date_time: expected a time at or before the CDR end_date_time',
    ]);
  });

  it('refuses a period that mixes reservation and charging', () => {
    const cdr = aCdr({ charging_periods: [{ start_date_time: '2024-03-01T10:00:00Z', dimensions: [{ type: 'RESERVATION_TIME', volume: 0.2 }, { type: 'TIME', volume: 1 }] }] });
    assert.match(issuesOf(validateCdr(cdr))[0]!, /^charging_periods\[0\]\.dimensions: RESERVATION_TIME cannot share a period/);
  });

  it('refuses a CDR without charging periods and validates embedded tariffs', () => {
    assert.deepEqual(issuesOf(validateCdr(aCdr({ charging_periods: [], tariffs: [{ ...aTariff(), id: '' }] }))), [
      'charging_periods: expected a non-empty array',
      'tariffs[0].id: expected a string of 1 to 36 printable ASCII characters',
    ]);
  });

  it('parseCdr throws INVALID_CDR', () => {
    assert.throws(() => parseCdr(aCdr({ currency: undefined })), (e: unknown) => e instanceof TariffError && e.code === 'INVALID_CDR');
  });
});
