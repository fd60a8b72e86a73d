import { Command } from 'commander';
import { registerChargerCommands } from './chargers.command';

/**
 * The charger commands on their own, for a charger-gateway process deployed without the standalone
 * `roamgate` CLI: `node services/charger-gateway/dist/cli/main.js chargers list`.
 */
const program = new Command('roamgate-chargers').description('charger-gateway commands of the roamgate CLI').showHelpAfterError();
registerChargerCommands(program);
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
