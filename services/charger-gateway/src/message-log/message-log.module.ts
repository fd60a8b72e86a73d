import { Module } from '@nestjs/common';
import { FrameLog } from './frame-log';

/** The OCPP message log, shared by the OCPP server (writes), the projections (older frames) and the API (reads). */
@Module({ providers: [FrameLog], exports: [FrameLog] })
export class MessageLogModule {}
