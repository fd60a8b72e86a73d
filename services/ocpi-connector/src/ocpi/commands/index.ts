import { COMMAND_RESULT_RETRY, CommandResults, DEFAULT_COMMAND_RESULT_RETRY, type CommandResultRetryPolicy } from './command-results';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';

/** OCPI_COMMAND_RESULT_RETRY_MS sets the first retry delay of CommandResult deliveries (doubling, capped at 5 min). */
function retryPolicy(env: NodeJS.ProcessEnv = process.env): CommandResultRetryPolicy {
  const initial = Number(env.OCPI_COMMAND_RESULT_RETRY_MS ?? DEFAULT_COMMAND_RESULT_RETRY.initialDelayMs);
  if (!Number.isInteger(initial) || initial <= 0) throw new Error(`OCPI_COMMAND_RESULT_RETRY_MS: must be a positive integer, got "${env.OCPI_COMMAND_RESULT_RETRY_MS}"`);
  return { ...DEFAULT_COMMAND_RESULT_RETRY, initialDelayMs: initial };
}

export const COMMANDS_CONTROLLERS = [CommandsController];
export const COMMANDS_PROVIDERS = [CommandsService, CommandResults, { provide: COMMAND_RESULT_RETRY, useFactory: () => retryPolicy() }];
export { CommandResults, COMMAND_RESULTS_GROUP, type CommandResultDocument } from './command-results';
export { CommandsService } from './commands.service';
export { evseUidOf, parseEvseUid, locationIdOf } from './evse-mapping';
