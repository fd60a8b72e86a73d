import { Command } from 'commander';
import { registerSimulateCommand } from '@roamgate/charger-simulator';
import { registerSimulateEmspCommand } from '@roamgate/emsp-simulator';
import { registerLocationCommands, registerPartnerCommands } from '@roamgate/ocpi-connector';
import { registerChargerCommands } from '@roamgate/charger-gateway';
import { registerReconCommands, registerSessionExplainCommand } from '@roamgate/cdr-reconciler';
import { registerLaunchCommands } from '@roamgate/gate-evaluator';
import { runMain } from '@roamgate/runtime';
import { registerReplayCommands, registerTariffCommands, registerTariffManagementCommands } from '@roamgate/tariff-engine';
import { startStandalone } from './standalone';
import { registerDemoCommand } from './demo';

export function buildCli(): Command {
  const program = new Command('roamgate')
    .description('Roamgate: launch OCPI roaming one partner and one charger group at a time')
    .showHelpAfterError()
    .enablePositionalOptions();

  program
    .command('start')
    .description('start all five services in one process on embedded storage (what `npm start` runs)')
    .option('-p, --port <port>', 'HTTP port (env PORT, default 8080)')
    .option('-d, --data-dir <dir>', 'data directory (env ROAMGATE_DATA_DIR, default ./data)')
    .action((opts: { port?: string; dataDir?: string }) => {
      if (opts.port !== undefined) process.env.PORT = opts.port;
      if (opts.dataDir !== undefined) process.env.ROAMGATE_DATA_DIR = opts.dataDir;
      runMain(() => startStandalone());
    });

  registerChargerCommands(program);
  registerPartnerCommands(program);
  registerLocationCommands(program);
  registerSimulateCommand(program);
  registerSimulateEmspCommand(program);
  registerTariffCommands(program);
  registerTariffManagementCommands(program);
  registerReplayCommands(program);
  registerReconCommands(program);
  registerSessionExplainCommand(program);
  registerLaunchCommands(program);
  registerDemoCommand(program);
  return program;
}

if (require.main === module) {
  buildCli().parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
