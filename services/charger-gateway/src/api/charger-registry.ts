import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { chargerDecider, chargerStreamName, isChargingDomainError, type ChargerStreamEvent } from '@roamgate/domain-charging';
import type { EventStore } from '@roamgate/event-store';
import { AggregateRepository, EVENT_STORE } from '@roamgate/runtime';
import { domainCodec } from '../ocpp/domain-codec';
import { hashPassword } from '../ocpp/password';

export interface ChargerRegistration {
  readonly id: string;
  readonly password?: string;
  readonly locationId?: string;
  readonly tags?: readonly string[];
}

@Injectable()
export class ChargerRegistry {
  private readonly repository: AggregateRepository;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    this.repository = new AggregateRepository(store);
  }

  async register(registration: ChargerRegistration) {
    const passwordHash = registration.password === undefined || registration.password === '' ? '' : await hashPassword(registration.password);
    try {
      const { state } = await this.repository.handle(chargerStreamName(registration.id), chargerDecider, domainCodec<ChargerStreamEvent>(), () => [
        {
          type: 'RegisterCharger' as const,
          chargerId: registration.id,
          passwordHash,
          now: new Date(),
          ...(registration.locationId === undefined ? {} : { locationId: registration.locationId }),
          ...(registration.tags === undefined ? {} : { tags: registration.tags }),
        },
      ]);
      return {
        id: registration.id,
        registered: state.registered,
        securityProfile: state.securityProfile,
        locationId: state.locationId === '' ? null : state.locationId,
        tags: [...state.tags],
      };
    } catch (error) {
      if (isChargingDomainError(error, 'CHARGER_ALREADY_REGISTERED')) throw new ConflictException(`charger ${registration.id} is already registered`);
      throw error;
    }
  }

  /** Whether anything was ever recorded for the charger, before its read model catches up. */
  async exists(chargerId: string): Promise<boolean> {
    return (await this.store.readStream(chargerStreamName(chargerId), { maxCount: 1 })).length > 0;
  }
}
