import type { BackoffPolicy } from './backoff';

export const PUSH_SETTINGS = Symbol('roamgate.ocpi-push-settings');

export interface PushSettings extends BackoffPolicy {
  /** Attempts before an entry is dead-lettered. */
  readonly maxAttempts: number;
  /** How often the outbox looks for due entries when nothing woke it. */
  readonly pollIntervalMs: number;
  /** Objects pushed at the same time, across partners. */
  readonly concurrency: number;
  /** At most one session PATCH per session in this interval; the start and the stop are never held back. */
  readonly sessionPatchIntervalMs: number;
  /** Currency of sessions pushed before their CDR prices them (mod_sessions requires one). */
  readonly sessionCurrency: string;
}

/**
 * OCPI_PUSH_BASE_DELAY_MS (1000), OCPI_PUSH_MAX_DELAY_MS (300000), OCPI_PUSH_JITTER (0.2),
 * OCPI_PUSH_MAX_ATTEMPTS (12), OCPI_PUSH_POLL_MS (500), OCPI_PUSH_CONCURRENCY (8),
 * OCPI_SESSION_PATCH_INTERVAL_S (30), OCPI_SESSION_CURRENCY (EUR).
 */
export function loadPushSettings(env: NodeJS.ProcessEnv = process.env, override: Partial<PushSettings> = {}): PushSettings {
  const jitter = env.OCPI_PUSH_JITTER === undefined || env.OCPI_PUSH_JITTER === '' ? 0.2 : Number(env.OCPI_PUSH_JITTER);
  if (!(jitter >= 0 && jitter <= 1)) throw new Error(`OCPI_PUSH_JITTER: must be between 0 and 1, got "${env.OCPI_PUSH_JITTER}"`);
  const currency = (env.OCPI_SESSION_CURRENCY ?? 'EUR').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`OCPI_SESSION_CURRENCY: must be an ISO 4217 code, got "${currency}"`);
  return {
    baseDelayMs: positive(env, 'OCPI_PUSH_BASE_DELAY_MS', 1_000),
    maxDelayMs: positive(env, 'OCPI_PUSH_MAX_DELAY_MS', 300_000),
    jitter,
    maxAttempts: positive(env, 'OCPI_PUSH_MAX_ATTEMPTS', 12),
    pollIntervalMs: positive(env, 'OCPI_PUSH_POLL_MS', 500),
    concurrency: positive(env, 'OCPI_PUSH_CONCURRENCY', 8),
    sessionPatchIntervalMs: positive(env, 'OCPI_SESSION_PATCH_INTERVAL_S', 30) * 1000,
    sessionCurrency: currency,
    ...override,
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name}: must be a positive number, got "${value}"`);
  return parsed;
}
