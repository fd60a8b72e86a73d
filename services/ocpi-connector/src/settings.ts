import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoamgateConfig } from '@roamgate/config';

export const OCPI_SETTINGS = Symbol('roamgate.ocpi-settings');

export interface OcpiSettings {
  /** Our party, as the credentials we hand out name it (credentials, CredentialsRole). */
  readonly countryCode: string;
  readonly partyId: string;
  readonly businessName: string;
  /** Public base of our OCPI endpoints, e.g. https://cpo.example/ocpi. */
  readonly baseUrl: string;
  /** The server maximum of every paginated GET (X-Limit). */
  readonly pageLimit: number;
  readonly requestTimeoutMs: number;
  /** 32-byte key sealing the tokens we present to partners. */
  readonly secretKey: Buffer;
  /**
   * OCPI_UNSCOPED_PARTNERS=none|all: what a partner that was never given a launch scope sees and may command.
   * `none` (default): nothing, as the issue asks (each partner sees only its launch scope); `all`: every published EVSE.
   */
  readonly unscopedPartnersSeeAll: boolean;
}

/**
 * The OCPI settings are read from the environment here rather than in @roamgate/config, which has no OCPI
 * section yet: OCPI_COUNTRY_CODE, OCPI_PARTY_ID, OCPI_BUSINESS_NAME, OCPI_PAGE_LIMIT, OCPI_REQUEST_TIMEOUT_MS,
 * OCPI_SECRET_KEY (base64 of 32 bytes; otherwise generated once into <data dir>/ocpi-secret.key, mode 0600),
 * OCPI_UNSCOPED_PARTNERS (none).
 */
export function loadOcpiSettings(config: RoamgateConfig, env: NodeJS.ProcessEnv = process.env, override: Partial<OcpiSettings> = {}): OcpiSettings {
  const countryCode = (env.OCPI_COUNTRY_CODE ?? 'NL').toUpperCase();
  const partyId = (env.OCPI_PARTY_ID ?? 'RGT').toUpperCase();
  if (!/^[A-Z]{2}$/.test(countryCode)) throw new Error(`OCPI_COUNTRY_CODE: must be 2 letters, got "${countryCode}"`);
  if (!/^[A-Z0-9]{3}$/.test(partyId)) throw new Error(`OCPI_PARTY_ID: must be 3 letters or digits, got "${partyId}"`);
  return {
    countryCode,
    partyId,
    businessName: env.OCPI_BUSINESS_NAME ?? 'Roamgate CPO',
    baseUrl: `${config.publicUrl}/ocpi`,
    pageLimit: positive(env.OCPI_PAGE_LIMIT, 'OCPI_PAGE_LIMIT', 100),
    requestTimeoutMs: positive(env.OCPI_REQUEST_TIMEOUT_MS, 'OCPI_REQUEST_TIMEOUT_MS', 10_000),
    secretKey: override.secretKey ?? secretKey(env.OCPI_SECRET_KEY, config.dataDir),
    unscopedPartnersSeeAll: unscoped(env.OCPI_UNSCOPED_PARTNERS),
    ...override,
  };
}

function unscoped(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'none') return false;
  if (value === 'all') return true;
  throw new Error(`OCPI_UNSCOPED_PARTNERS: must be "none" or "all", got "${value}"`);
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name}: must be a positive integer, got "${value}"`);
  return parsed;
}

function secretKey(fromEnv: string | undefined, dataDir: string): Buffer {
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) throw new Error('OCPI_SECRET_KEY: must be the base64 of 32 bytes');
    return key;
  }
  const file = join(dataDir, 'ocpi-secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
