import { Module } from '@nestjs/common';
import { ChargerProjector } from './projector';

/** The charger-gateway read models: chargers, sessions, commands and the OCPP message log. */
@Module({ providers: [ChargerProjector], exports: [ChargerProjector] })
export class ChargerProjectionsModule {}
