import { LocationsApiController } from '../../api/locations.controller';
import { ScopeController } from '../../api/scope.controller';
import { LaunchScopeConsumer } from '../scope/launch-scope.consumer';
import { ScopeService } from '../scope/scope.service';
import { EvseStatusConsumer } from './evse-status.consumer';
import { LocationPublisher } from './location-publisher';
import { LocationRepository } from './location.repository';
import { LocationsController } from './locations.controller';

export const LOCATIONS_CONTROLLERS = [LocationsController, LocationsApiController, ScopeController];
export const LOCATIONS_PROVIDERS = [LocationRepository, LocationPublisher, EvseStatusConsumer, ScopeService, LaunchScopeConsumer];
export { LocationRepository, OCPI_LOCATIONS, OCPI_EVSES, type EvseDocument } from './location.repository';
export { LocationPublisher, LOCATIONS_GROUP, OCPI_LOCATION_VIEWS } from './location-publisher';
export { EvseStatusConsumer, EVSE_STATUS_GROUP } from './evse-status.consumer';
export * from './location.dto';
