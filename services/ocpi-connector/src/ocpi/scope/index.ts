export { ScopeService, UnknownPartnerError, OCPI_SCOPES } from './scope.service';
export { LaunchScopeConsumer, LAUNCH_SCOPE_GROUP } from './launch-scope.consumer';
