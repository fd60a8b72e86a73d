import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CdrTotals } from '@roamgate/domain-tariffs';
import { priceCdr, pricingInputOf, TariffError, validateCdr, validateTariff, ZoneClock } from '@roamgate/domain-tariffs';

interface PriceOptions {
  readonly tariff: string;
  readonly cdr: string;
  readonly timeZone: string;
  readonly json?: boolean;
}

class CliFailure extends Error {}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliFailure(`cannot read the ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliFailure(`${what} file ${file} is not JSON: ${(e as Error).message}`);
  }
}

/** Prices the charging periods of an OCPI CDR file under a tariff file; the CDR's own totals are ignored. */
export function priceFiles(options: { tariff: string; cdr: string; timeZone?: string }): { readonly currency: string; readonly totals: CdrTotals } {
  const timeZone = options.timeZone ?? 'UTC';
  if (!ZoneClock.isKnown(timeZone)) throw new CliFailure(`unknown time zone "${timeZone}": expected an IANA name such as Europe/Amsterdam`);
  const tariff = validateTariff(readJson(options.tariff, 'tariff'));
  if (!tariff.ok) throw new CliFailure(`invalid tariff in ${options.tariff}:\n${tariff.issues.map((i) => `  ${i}`).join('\n')}`);
  const cdr = validateCdr(readJson(options.cdr, 'CDR'));
  if (!cdr.ok) throw new CliFailure(`invalid CDR in ${options.cdr}:\n${cdr.issues.map((i) => `  ${i}`).join('\n')}`);
  try {
    return { currency: tariff.value.currency, totals: priceCdr(tariff.value, pricingInputOf(cdr.value, { timeZone })) };
  } catch (e) {
    if (e instanceof TariffError) throw new CliFailure(e.message);
    throw e;
  }
}

function describe(currency: string, totals: CdrTotals): string {
  const money = (label: string, p: { excl_vat: number; incl_vat?: number }) =>
    `${label.padEnd(24)} ${String(p.excl_vat).padStart(10)} excl. VAT ${String(p.incl_vat ?? '-').padStart(10)} incl. VAT  ${currency}`;
  return [
    money('total_cost', totals.total_cost),
    money('total_fixed_cost', totals.total_fixed_cost),
    money('total_energy_cost', totals.total_energy_cost),
    money('total_time_cost', totals.total_time_cost),
    money('total_parking_cost', totals.total_parking_cost),
    money('total_reservation_cost', totals.total_reservation_cost),
    `${'total_energy'.padEnd(24)} ${String(totals.total_energy).padStart(10)} kWh`,
    `${'total_time'.padEnd(24)} ${String(totals.total_time).padStart(10)} h`,
    `${'total_parking_time'.padEnd(24)} ${String(totals.total_parking_time).padStart(10)} h`,
  ].join('\n');
}

/** `tariff price`: OCPI 2.2.1 pricing of a CDR file, for the `roamgate` CLI. */
export function registerTariffCommands(program: Command): Command {
  const tariff = program.command('tariff').description('OCPI 2.2.1 tariffs: pricing as the spec (with the 2.2.1 errata) says');
  tariff
    .command('price')
    .description("price the charging_periods of an OCPI CDR file under a tariff (the CDR's own totals are ignored)")
    .requiredOption('--tariff <tariff.json>', 'OCPI 2.2.1 Tariff object')
    .requiredOption('--cdr <cdr.json>', 'OCPI 2.2.1 CDR object; its charging_periods, start/end and currency are read')
    .option('--time-zone <zone>', 'IANA time zone of the location, for time and date restrictions', 'UTC')
    .option('--json', 'print the CDR total fields as one JSON object')
    .action(function (this: Command, options: PriceOptions) {
      try {
        const { currency, totals } = priceFiles(options);
        process.stdout.write(options.json === true ? `${JSON.stringify(totals)}\n` : `${describe(currency, totals)}\n`);
      } catch (e) {
        if (e instanceof CliFailure) this.error(`error: ${e.message}`, { exitCode: 1, code: 'tariff.price' });
        throw e;
      }
    });
  return tariff;
}
