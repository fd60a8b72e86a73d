import { readFile } from 'node:fs/promises';
import { type Faults, parseFaults } from './faults';
import { OCPP_PROTOCOLS, type OcppProtocol } from './model';
import { InvalidInput, integerAt, noOtherFields, numberAt, objectAt, optional, stringAt } from './validation';

/** The charger models of a fleet and their share of it, as read from a mix file. */
export interface MixFile {
  readonly models: readonly MixModel[];
}

export interface MixModel {
  readonly vendor: string;
  readonly model: string;
  readonly firmwareVersion: string;
  /** Relative weight; shares need not add up to 1. */
  readonly share: number;
  /** Defaults to the fleet's protocol. */
  readonly protocol?: OcppProtocol;
  readonly faults?: Faults;
  readonly connectors?: number;
  readonly maxPowerW?: number;
  readonly meterValueIntervalS?: number;
  readonly heartbeatIntervalS?: number;
  readonly meterStartWh?: number;
}

const MODEL_FIELDS = [
  'vendor',
  'model',
  'firmwareVersion',
  'share',
  'protocol',
  'faults',
  'connectors',
  'maxPowerW',
  'meterValueIntervalS',
  'heartbeatIntervalS',
  'meterStartWh',
];

/** BootNotification limits: 1.6 chargePointVendor 20, 2.0.1 vendorName 50; model 20 and firmware 50 in both. */
const VENDOR_LIMIT: Readonly<Record<OcppProtocol, number>> = { 'ocpp1.6': 20, 'ocpp2.0.1': 50 };

export function parseMix(value: unknown, defaultProtocol: OcppProtocol): MixFile {
  const root = objectAt(value, 'mix');
  noOtherFields(root, ['models'], 'mix');
  const models = root['models'];
  if (!Array.isArray(models) || models.length === 0) throw new InvalidInput('models', 'expected a non-empty array');
  return { models: models.map((model, index) => parseModel(model, `models[${index}]`, defaultProtocol)) };
}

function parseModel(value: unknown, path: string, defaultProtocol: OcppProtocol): MixModel {
  const fields = objectAt(value, path);
  noOtherFields(fields, MODEL_FIELDS, path);
  const protocol = optional(fields, 'protocol', () => parseProtocol(fields['protocol'], `${path}.protocol`));
  const positive = (key: string) => optional(fields, key, (f, k) => numberAt(f, k, path, 'positive'));
  const model: MixModel = {
    vendor: stringAt(fields, 'vendor', path, VENDOR_LIMIT[protocol ?? defaultProtocol]),
    model: stringAt(fields, 'model', path, 20),
    firmwareVersion: stringAt(fields, 'firmwareVersion', path, 50),
    share: numberAt(fields, 'share', path, 'positive'),
    ...defined('protocol', protocol),
    ...defined('faults', optional(fields, 'faults', () => parseFaults(fields['faults'], `${path}.faults`))),
    ...defined('connectors', optional(fields, 'connectors', (f, k) => integerAt(f, k, path, 1))),
    ...defined('maxPowerW', positive('maxPowerW')),
    ...defined('meterValueIntervalS', optional(fields, 'meterValueIntervalS', (f, k) => numberAt(f, k, path, 'non-negative'))),
    ...defined('heartbeatIntervalS', positive('heartbeatIntervalS')),
    ...defined('meterStartWh', optional(fields, 'meterStartWh', (f, k) => numberAt(f, k, path, 'non-negative'))),
  };
  return model;
}

export function parseProtocol(value: unknown, path: string): OcppProtocol {
  const aliases: Readonly<Record<string, OcppProtocol>> = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' };
  const protocol = typeof value === 'string' ? (aliases[value] ?? value) : value;
  if (!OCPP_PROTOCOLS.includes(protocol as OcppProtocol))
    throw new InvalidInput(path, `expected 1.6 or 2.0.1 (or ${OCPP_PROTOCOLS.join(', ')}), got ${JSON.stringify(value)}`);
  return protocol as OcppProtocol;
}

export async function loadMixFile(file: string, defaultProtocol: OcppProtocol): Promise<MixFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new InvalidInput(`mix file ${file}`, reason);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(`mix file ${file}`, `not valid JSON (${(error as Error).message})`);
  }
  try {
    return parseMix(json, defaultProtocol);
  } catch (error) {
    if (error instanceof InvalidInput) throw new InvalidInput(`mix file ${file}: ${error.path}`, error.problem);
    throw error;
  }
}

/**
 * Which model each of `count` chargers gets: every model's count is its share of `count` rounded by largest
 * remainder, and the models are interleaved (smooth weighted round robin) so any prefix of the fleet has the same mix.
 */
export function assignModels(shares: readonly number[], count: number): number[] {
  const total = shares.reduce((sum, share) => sum + share, 0);
  if (shares.length === 0 || !(total > 0)) throw new Error('at least one model with a share above 0 is needed');
  const exact = shares.map((share) => (share / total) * count);
  const counts = exact.map(Math.floor);
  const remainder = count - counts.reduce((sum, n) => sum + n, 0);
  const byFraction = exact
    .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (let i = 0; i < remainder; i++) counts[byFraction[i]!.index]!++;

  const credit = counts.map(() => 0);
  const assignment: number[] = [];
  for (let charger = 0; charger < count; charger++) {
    let chosen = 0;
    for (let model = 0; model < counts.length; model++) {
      credit[model]! += counts[model]!;
      if (credit[model]! > credit[chosen]!) chosen = model;
    }
    credit[chosen]! -= count;
    assignment.push(chosen);
  }
  return assignment;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
