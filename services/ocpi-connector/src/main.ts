import { runMain, startRoamgate } from '@roamgate/runtime';
import { ocpiConnector } from './ocpi-connector.module';

runMain(() => startRoamgate({ processName: 'ocpi-connector', services: [ocpiConnector] }));
