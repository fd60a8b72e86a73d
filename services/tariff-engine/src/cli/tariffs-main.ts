import { Command } from 'commander';
import { registerTariffManagementCommands } from './tariffs.command';

/**
 * The tariff management commands on their own, for a tariff-engine process deployed without the
 * standalone `roamgate` CLI, and for the CLI test: `node services/tariff-engine/dist/cli/tariffs-main.js tariffs list`.
 */
const program = new Command('roamgate-tariffs').description('tariff management commands of the roamgate CLI').showHelpAfterError();
registerTariffManagementCommands(program);
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
