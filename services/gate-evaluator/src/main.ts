import { runMain, startRoamgate } from '@roamgate/runtime';
import { gateEvaluator } from './gate-evaluator.module';

runMain(() => startRoamgate({ processName: 'gate-evaluator', services: [gateEvaluator] }));
