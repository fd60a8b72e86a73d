import { cdrReconciler } from '@roamgate/cdr-reconciler';
import { chargerGateway } from '@roamgate/charger-gateway';
import type { RoamgateConfig } from '@roamgate/config';
import { gateEvaluator } from '@roamgate/gate-evaluator';
import { ocpiConnector } from '@roamgate/ocpi-connector';
import { startRoamgate } from '@roamgate/runtime';
import { tariffEngine } from '@roamgate/tariff-engine';

export const allServices = [chargerGateway, ocpiConnector, tariffEngine, cdrReconciler, gateEvaluator];

/** All five services in one process on the embedded adapters: what `npm start` runs. */
export function startStandalone(config?: RoamgateConfig) {
  return startRoamgate({ processName: 'standalone', services: allServices, ...(config ? { config } : {}) });
}
