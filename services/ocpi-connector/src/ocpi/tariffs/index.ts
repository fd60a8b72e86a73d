import { TariffsController } from './tariffs.controller';
import { TariffsSender } from './tariffs.sender';

export const TARIFFS_CONTROLLERS = [TariffsController];
export const TARIFFS_PROVIDERS = [TariffsSender];
export { TariffsSender, OCPI_TARIFFS, TARIFFS_GROUP, tariffPath, type TariffDocument } from './tariffs.sender';
export * from './tariff.dto';
