import { runMain, startRoamgate } from '@roamgate/runtime';
import { cdrReconciler } from './cdr-reconciler.module';

runMain(() => startRoamgate({ processName: 'cdr-reconciler', services: [cdrReconciler] }));
