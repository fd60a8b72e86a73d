import { ConfigError, type RoamgateConfig } from '@roamgate/config';

export const TIMELINE_SETTINGS = Symbol('roamgate.recon-timeline-settings');

/**
 * Where the support timeline reads the other services' operations APIs. A query-time composition for support,
 * not an event flow: no reconciliation depends on these calls. Standalone serves every API on its own port, so
 * that is the default; in the cluster point each at its service:
 * RECON_GATEWAY_API_URL (charger-gateway: sessions, OCPP frames, commands), RECON_OCPI_API_URL (ocpi-connector:
 * OCPI call log), RECON_TARIFF_API_URL (tariff-engine: CDRs, replay, tariffs), RECON_API_TOKEN (the admin token
 * those processes accept; by default the caller's own Bearer token is passed on), RECON_API_TIMEOUT_MS.
 */
export interface TimelineSettings {
  readonly gatewayUrl: string;
  readonly ocpiUrl: string;
  readonly tariffUrl: string;
  readonly token: string | undefined;
  readonly timeoutMs: number;
}

function url(value: string | undefined, name: string, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (!/^https?:\/\/[^\s]+$/.test(value)) throw new ConfigError([`${name}: must be an http(s) URL (got "${value}")`]);
  return value.replace(/\/+$/, '');
}

export function loadTimelineSettings(config: RoamgateConfig, env: NodeJS.ProcessEnv = process.env): TimelineSettings {
  const scheme = config.tls ? 'https' : 'http';
  const own = `${scheme}://127.0.0.1:${config.port}`;
  const timeout = env.RECON_API_TIMEOUT_MS === undefined || env.RECON_API_TIMEOUT_MS === '' ? 10_000 : Number(env.RECON_API_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout <= 0) throw new ConfigError([`RECON_API_TIMEOUT_MS: must be a positive integer (got "${env.RECON_API_TIMEOUT_MS}")`]);
  return {
    gatewayUrl: url(env.RECON_GATEWAY_API_URL, 'RECON_GATEWAY_API_URL', own),
    ocpiUrl: url(env.RECON_OCPI_API_URL, 'RECON_OCPI_API_URL', own),
    tariffUrl: url(env.RECON_TARIFF_API_URL, 'RECON_TARIFF_API_URL', own),
    token: env.RECON_API_TOKEN || undefined,
    timeoutMs: timeout,
  };
}
