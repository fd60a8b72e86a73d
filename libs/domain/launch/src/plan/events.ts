import { domainEvent, streamEventCodec, type DomainEvent, type EventInit } from '@roamgate/contracts';

export const LAUNCH_EVENT_TYPES = [
  'LaunchPlanCreated',
  'LaunchPlanUpdated',
  'GateEvaluated',
  'GateDecisionApplied',
  'ScopeChanged',
  'LaunchPaused',
  'LaunchResumed',
] as const;
export type LaunchEventType = (typeof LAUNCH_EVENT_TYPES)[number];

/** A launch stream event: the contract message tagged with the type name it is stored under. */
export type LaunchEvent = DomainEvent<LaunchEventType>;
export type LaunchEventOf<T extends LaunchEventType> = DomainEvent<T>;

export const launchEvent = <T extends LaunchEventType>(type: T, init: EventInit<T>): LaunchEventOf<T> => domainEvent(type, init);

export const launchStreamName = (planId: string): string => `launch-${planId}`;

/** Stored as canonical proto3 JSON; unknown fields are tolerated so that older readers fold newer streams. */
export const launchEventCodec = streamEventCodec(LAUNCH_EVENT_TYPES, 'launch');

export const isLaunchEventType = launchEventCodec.is;
