import assert from 'node:assert/strict';
import { partnerDecider, type Party, type PartnerCommand, type PartnerCredentials, type PartnerEvent, type PartnerState } from '../partner.js';
import { OcpiDomainError, type OcpiErrorCode } from '../errors.js';

export const aParty = (override: Partial<Party> = {}): Party => ({ countryCode: 'NL', partyId: 'EMS', role: 'EMSP', name: 'Example eMSP', ...override });

export const someCredentials = (override: Partial<PartnerCredentials> = {}): PartnerCredentials => ({
  version: '2.2.1',
  versionsUrl: 'https://emsp.example/ocpi/versions',
  endpoints: [{ identifier: 'credentials', role: 'SENDER', url: 'https://emsp.example/ocpi/2.2.1/credentials' }],
  roles: [aParty()],
  outboundTokenSealed: 'v1.sealed-b',
  inboundTokenHash: 'sha256:c',
  ...override,
});

/** given(events).when(command).then(events) / .thenFails(code), in the emmett style. */
export function given(...history: PartnerEvent[]) {
  const state = history.reduce<PartnerState>((s, e) => partnerDecider.evolve(s, e), partnerDecider.initialState());
  return {
    state,
    when(command: PartnerCommand) {
      const run = () => partnerDecider.decide(command, state);
      return {
        then(expected: (events: readonly PartnerEvent[]) => void) {
          expected(run());
        },
        thenFails(code: OcpiErrorCode) {
          assert.throws(run, (error: unknown) => error instanceof OcpiDomainError && error.code === code);
        },
      };
    },
  };
}
