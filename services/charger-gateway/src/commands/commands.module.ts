import { Global, Module } from '@nestjs/common';
import { OcppModule } from '../ocpp/ocpp.module';
import { CommandExecutor } from './command-executor';
import { CommandService } from './command.service';
import { CommandsConsumer } from './commands.consumer';

/** Commands for chargers: CommandService records them, CommandExecutor carries them out. Global so any module can inject CommandService. */
@Global()
@Module({
  imports: [OcppModule],
  controllers: [CommandsConsumer],
  providers: [CommandService, CommandExecutor],
  exports: [CommandService],
})
export class CommandsModule {}
