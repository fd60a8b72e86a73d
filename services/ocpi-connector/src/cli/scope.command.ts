import { Command, Option } from 'commander';
import { collect, json, run, type Api } from '@roamgate/runtime/cli';

interface ScopeOptions {
  evse?: string[];
  location?: string[];
  charger?: string[];
  evseUid?: string[];
  locationId?: string[];
  chargerId?: string[];
  none?: boolean;
  reason?: string;
  json?: boolean;
}

/**
 * `<parent> scope <partner>`: shows a partner's launch scope, or sets it (PUT /api/v1/partners/:id/scope). Registered
 * as `partners scope` and, where it was first, `locations scope`. `--evse-uid`, `--location-id` and `--charger-id`
 * are the earlier spellings of `--evse`, `--location` and `--charger`, kept working.
 */
export function addScopeCommand(parent: Command, api: Api, print: (text: string) => void): Command {
  const hidden = (flags: string) => new Option(flags).argParser(collect).hideHelp();
  return parent
    .command('scope')
    .description("show a partner's launch scope, or set it with --evse/--location/--charger (or --none): the EVSEs it sees and may command")
    .argument('<partnerId>', 'partner id, e.g. NL-EMS')
    .option('--evse <uid>', 'EVSE uid (<charger>-<evse>); repeatable or comma separated', collect)
    .option('--location <id>', 'location id: every EVSE at it; repeatable or comma separated', collect)
    .option('--charger <id>', 'charger id: every EVSE of it; repeatable or comma separated', collect)
    .addOption(hidden('--evse-uid <uid>'))
    .addOption(hidden('--location-id <id>'))
    .addOption(hidden('--charger-id <id>'))
    .option('--none', 'set an empty scope: the partner sees and commands nothing')
    .option('--reason <text>', 'why, for the audit on the partner stream')
    .option('--json', 'print the scope as JSON')
    .action(
      run(async (partnerId: string, o: ScopeOptions) => {
        const path = `/api/v1/partners/${encodeURIComponent(partnerId)}/scope`;
        const evseUids = [...(o.evse ?? []), ...(o.evseUid ?? [])];
        const locationIds = [...(o.location ?? []), ...(o.locationId ?? [])];
        const chargerIds = [...(o.charger ?? []), ...(o.chargerId ?? [])];
        const setting = o.none || evseUids.length + locationIds.length + chargerIds.length > 0;
        const scope = setting
          ? await api<Record<string, unknown>>('PUT', path, { evse_uids: evseUids, location_ids: locationIds, charger_ids: chargerIds, ...(o.reason ? { reason: o.reason } : {}) })
          : await api<Record<string, unknown>>('GET', path);
        if (o.json) return print(json(scope));
        if (!scope['set']) return print(`${partnerId}: no scope set (OCPI_UNSCOPED_PARTNERS decides what it sees: nothing by default)`);
        const list = (key: string) => ((scope[key] as string[]).length ? (scope[key] as string[]).join(', ') : '-');
        print(`${partnerId}: locations ${list('location_ids')}; EVSEs ${list('evse_uids')}; chargers ${list('charger_ids')}\n  set by ${String(scope['changed_by'])} at ${String(scope['updated_at'])}${scope['reason'] ? ` (${String(scope['reason'])})` : ''}`);
      }),
    );
}
