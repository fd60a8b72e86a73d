import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { cliContext, collect, json, nonNegativeInteger, run, type CliOptions } from '@roamgate/runtime/cli';
import { addScopeCommand } from './scope.command';

export type LocationCommandsOptions = CliOptions;

type OcpiLocation = {
  id: string;
  name?: string;
  address: string;
  city: string;
  country: string;
  time_zone: string;
  last_updated: string;
  evses?: { uid: string; evse_id?: string; status: string; connectors: { id: string; standard: string; power_type: string; max_electric_power?: number; max_voltage: number; max_amperage: number }[] }[];
};
type LocationView = { location: OcpiLocation; chargers: { evse_uid: string; charger_id: string; evse: number }[] };

/** "id=1,standard=IEC_62196_T2,format=SOCKET,power_type=AC_3_PHASE,max_voltage=230,max_amperage=32,tariff_ids=T1+T2" */
export function parseConnector(text: string, previous: Record<string, unknown>[] = []): Record<string, unknown>[] {
  const fields = Object.fromEntries(
    text.split(',').map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new InvalidArgumentError(`"${pair}" is not key=value`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
  const numbers = ['max_voltage', 'max_amperage', 'max_electric_power', 'ocpp_connector_id'];
  const connector: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (numbers.includes(key)) {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${key}: must be an integer`);
      connector[key] = Number(value);
    } else if (key === 'tariff_ids') connector[key] = value.split('+').filter(Boolean);
    else connector[key] = value;
  }
  return [...previous, connector];
}

function describeLocation(view: LocationView): string {
  const l = view.location;
  const lines = [`${l.id}  ${l.name ?? ''}`.trimEnd(), `  ${l.address}, ${l.city} (${l.country})  ${l.time_zone}  last updated ${l.last_updated}`];
  for (const evse of l.evses ?? []) {
    const place = view.chargers.find((c) => c.evse_uid === evse.uid);
    const connectors = evse.connectors.map((c) => `${c.id}:${c.standard}/${c.power_type} ${c.max_voltage}V ${c.max_amperage}A`).join(', ');
    lines.push(`  ${evse.uid.padEnd(16)} ${evse.status.padEnd(11)} ${(evse.evse_id ?? '').padEnd(20)} charger ${place?.charger_id ?? '?'} evse ${place?.evse ?? '?'}  ${connectors}`);
  }
  return lines.join('\n');
}

/** `locations`: location master data, EVSE attachment and partner scopes, over the operations API. */
export function registerLocationCommands(program: Command, options: LocationCommandsOptions = {}): Command {
  const { api, print } = cliContext(options);
  const locations = program.command('locations').description('OCPI locations: sites, the EVSEs of chargers at them, and what each partner may see');

  locations
    .command('add')
    .description('create a location (or --update it); fields as in the OCPI Location object, or all of them from --file')
    .argument('<id>', 'location id (OCPI CiString(36))')
    .option('--file <path>', 'a JSON file with the location fields (snake_case, as the OCPI Location object)')
    .option('--name <name>', 'display name')
    .option('--address <street>', 'street and number')
    .option('--city <city>', 'city or town')
    .option('--postal-code <code>', 'postal code')
    .option('--country <iso3>', 'ISO 3166-1 alpha-3 country code, e.g. NLD')
    .option('--latitude <deg>', 'latitude, e.g. 52.089444')
    .option('--longitude <deg>', 'longitude, e.g. 5.110278')
    .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Amsterdam (tariff times are read in it)')
    .option('--parking-type <type>', 'OCPI ParkingType, e.g. PARKING_LOT')
    .option('--operator <name>', 'operator name')
    .option('--twentyfourseven', 'open 24/7 (opening_times.twentyfourseven)')
    .option('--unpublished', 'publish=false: shown to no partner')
    .option('--update', 'replace the data of an existing location')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (id: string, o: Record<string, string | boolean | undefined>) => {
        const fromFile = o['file'] ? (JSON.parse(readFileSync(String(o['file']), 'utf8')) as Record<string, unknown>) : {};
        const body: Record<string, unknown> = { ...fromFile, id };
        const set = (key: string, value: unknown) => value !== undefined && (body[key] = value);
        set('name', o['name']);
        set('address', o['address']);
        set('city', o['city']);
        set('postal_code', o['postalCode']);
        set('country', o['country']);
        if (o['latitude'] !== undefined || o['longitude'] !== undefined) body['coordinates'] = { latitude: o['latitude'], longitude: o['longitude'] };
        set('time_zone', o['timeZone']);
        set('parking_type', o['parkingType']);
        if (o['operator']) body['operator'] = { name: o['operator'] };
        if (o['twentyfourseven']) body['opening_times'] = { twentyfourseven: true };
        if (o['unpublished']) body['publish'] = false;
        const view = o['update'] ? await api<LocationView>('PUT', `/api/v1/locations/${encodeURIComponent(id)}`, body) : await api<LocationView>('POST', '/api/v1/locations', body);
        print(o['json'] ? json(view) : describeLocation(view));
      }),
    );

  locations
    .command('attach')
    .description("attach a charger's EVSE to a location (again: replace its data); its evse_uid is <charger>-<evse>")
    .argument('<locationId>', 'the location')
    .requiredOption('--charger <id>', 'charger id')
    .requiredOption('--evse <n>', 'OCPP EVSE number (OCPP 1.6: the connector number)', nonNegativeInteger)
    .option('--evse-id <emi3>', 'eMI3 EVSE id, e.g. NL*RGT*E12345*1')
    .requiredOption('--connector <spec>', 'repeatable: id=1,standard=IEC_62196_T2,format=SOCKET,power_type=AC_3_PHASE,max_voltage=230,max_amperage=32[,max_electric_power=22000][,tariff_ids=T1+T2][,ocpp_connector_id=1]', parseConnector)
    .option('--capability <cap>', 'repeatable or comma separated OCPI Capability', collect)
    .option('--floor-level <level>', 'floor level')
    .option('--physical-reference <ref>', 'number or label on the charger')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (locationId: string, o: { charger: string; evse: number; evseId?: string; connector: unknown[]; capability?: string[]; floorLevel?: string; physicalReference?: string; json?: boolean }) => {
        const view = await api<LocationView>('POST', `/api/v1/locations/${encodeURIComponent(locationId)}/evses`, {
          charger_id: o.charger,
          evse: o.evse,
          connectors: o.connector,
          ...(o.evseId ? { evse_id: o.evseId } : {}),
          ...(o.capability ? { capabilities: o.capability } : {}),
          ...(o.floorLevel ? { floor_level: o.floorLevel } : {}),
          ...(o.physicalReference ? { physical_reference: o.physicalReference } : {}),
        });
        print(o.json ? json(view) : describeLocation(view));
      }),
    );

  locations
    .command('detach')
    .description('detach an EVSE from its location (partners that had it get it PATCHed REMOVED)')
    .argument('<locationId>', 'the location')
    .argument('<evseUid>', 'the EVSE uid')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (locationId: string, evseUid: string, o: { json?: boolean }) => {
        const view = await api<LocationView>('DELETE', `/api/v1/locations/${encodeURIComponent(locationId)}/evses/${encodeURIComponent(evseUid)}`);
        print(o.json ? json(view) : describeLocation(view));
      }),
    );

  locations
    .command('list')
    .description('list locations by last update')
    .option('--offset <n>', 'skip this many', nonNegativeInteger, 0)
    .option('--limit <n>', 'at most this many (1 to 500)', nonNegativeInteger, 50)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (o: { offset: number; limit: number; json?: boolean }) => {
        const page = await api<{ items: LocationView[]; total: number }>('GET', `/api/v1/locations?offset=${o.offset}&limit=${o.limit}`);
        if (o.json) return print(json(page));
        for (const view of page.items) {
          const l = view.location;
          print(`${l.id.padEnd(20)} ${(l.name ?? '').padEnd(28)} ${l.city.padEnd(16)} ${String(l.evses?.length ?? 0).padStart(3)} EVSEs  ${l.last_updated}`);
        }
        print(`${page.items.length} of ${page.total}`);
      }),
    );

  locations
    .command('show')
    .description('one location with its EVSEs, their status and chargers')
    .argument('<id>', 'location id')
    .option('--json', 'print it as JSON')
    .action(
      run(async (id: string, o: { json?: boolean }) => {
        const view = await api<LocationView>('GET', `/api/v1/locations/${encodeURIComponent(id)}`);
        print(o.json ? json(view) : describeLocation(view));
      }),
    );

  addScopeCommand(locations, api, print);

  return locations;
}
