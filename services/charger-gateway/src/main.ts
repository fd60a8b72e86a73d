import { runMain, startRoamgate } from '@roamgate/runtime';
import { chargerGateway } from './charger-gateway.module';

runMain(() => startRoamgate({ processName: 'charger-gateway', services: [chargerGateway] }));
