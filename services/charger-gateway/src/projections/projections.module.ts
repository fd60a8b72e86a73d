import { Module } from '@nestjs/common';
import { MessageLogModule } from '../message-log/message-log.module';
import { ChargerProjectionsConsumer, ChargerProjector } from './projector';

/** The charger-gateway read models: chargers, sessions, commands and the OCPP message log. */
@Module({ imports: [MessageLogModule], controllers: [ChargerProjectionsConsumer], providers: [ChargerProjector], exports: [ChargerProjector] })
export class ChargerProjectionsModule {}
