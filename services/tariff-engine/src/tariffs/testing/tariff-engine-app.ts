import { startAppUnderTest, tempDataDir as tempDir, type AppUnderTest } from '@roamgate/runtime/testing';
import { tariffEngine } from '../../tariff-engine.module';

export const ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(32, 't');

export type TariffEngineUnderTest = AppUnderTest;

export const tempDataDir = (): { readonly dir: string; remove(): void } => tempDir('roamgate-tariffs-');

/** The tariff engine alone, as its own process runs it, on a free port and the given data directory. */
export function startTariffEngine(dataDir: string): Promise<TariffEngineUnderTest> {
  return startAppUnderTest([tariffEngine], { dataDir, adminToken: ADMIN_TOKEN });
}
