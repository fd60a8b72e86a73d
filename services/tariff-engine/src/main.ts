import { runMain, startRoamgate } from '@roamgate/runtime';
import { tariffEngine } from './tariff-engine.module';

runMain(() => startRoamgate({ processName: 'tariff-engine', services: [tariffEngine] }));
