import { PUSH_SETTINGS, loadPushSettings } from './push-settings';
import { Outbox } from './outbox';

export { backoffDelayMs, type BackoffPolicy } from './backoff';
export { Outbox, type PushOutcome, type PushRequest } from './outbox';
export { OUTBOX, type OutboxEntry, type OutboxStatus } from './outbox-entry';
export { OutboxController } from './outbox.controller';
export { PUSH_SETTINGS, loadPushSettings, type PushSettings } from './push-settings';
export { derivedEventId } from './derived-id';

export const PUSH_PROVIDERS = [{ provide: PUSH_SETTINGS, useFactory: () => loadPushSettings(process.env) }, Outbox];
