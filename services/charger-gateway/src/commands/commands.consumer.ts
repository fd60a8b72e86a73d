import { Controller } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary } from '@roamgate/contracts';
import { EVENT_HEADERS } from '@roamgate/relay';
import { EventPattern, Payload, type BusConsumerOptions } from '@roamgate/runtime';
import { CommandExecutor } from './command-executor';

export const COMMANDS_GROUP = 'charger-gateway-commands';
export const COMMANDS_TOPIC = 'roamgate.command';

/** CommandRequested events from the bus, carried out by the executor; the other command events are not for the gateway. */
@Controller()
export class CommandsConsumer {
  constructor(private readonly executor: CommandExecutor) {}

  @EventPattern(COMMANDS_TOPIC, { group: COMMANDS_GROUP } satisfies BusConsumerOptions)
  async onCommand(@Payload() message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADERS.eventType] !== 'CommandRequested') return;
    await this.executor.execute(decodeEventBinary('CommandRequested', message.value));
  }
}
