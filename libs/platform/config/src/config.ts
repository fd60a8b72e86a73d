import { resolve } from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const port = z.coerce.number().int().min(0).max(65535);

const schema = z
  .object({
    PORT: port.default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    ROAMGATE_DATA_DIR: z.string().min(1).default('./data'),
    ROAMGATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    ROAMGATE_PUBLIC_URL: z.url().optional(),
    EVENT_STORE: z.enum(['sqlite', 'kurrentdb']).default('sqlite'),
    BUS: z.enum(['in-process', 'kafka']).default('in-process'),
    READ_MODELS: z.enum(['sqlite', 'mongodb']).default('sqlite'),
    KAFKA_BROKERS: z.string().optional(),
    BUS_RETENTION_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(10),
    KURRENTDB_URL: z.string().optional(),
    MONGODB_URL: z.string().optional(),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    TLS_CERT_FILE: z.string().optional(),
    TLS_KEY_FILE: z.string().optional(),
    OCPP_UNKNOWN_CHARGERS: z.enum(['reject', 'pending']).default('reject'),
    OCPP_HEARTBEAT_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(300),
    OCPP_COMMAND_TIMEOUT_S: z.coerce.number().int().min(1).max(3_600).default(30),
    OCPP_PING_INTERVAL_S: z.coerce.number().int().min(0).max(3_600).default(30),
    OCPP_MESSAGE_LOG_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(90),
    OCPP_LOST_TRANSACTION_GRACE_S: z.coerce.number().int().min(0).max(86_400).default(600),
  })
  .superRefine((env, ctx) => {
    const need = (when: boolean, key: 'KAFKA_BROKERS' | 'KURRENTDB_URL' | 'MONGODB_URL' | 'TLS_CERT_FILE' | 'TLS_KEY_FILE', because: string) => {
      if (when && !env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `is required when ${because}` });
    };
    need(env.BUS === 'kafka', 'KAFKA_BROKERS', 'BUS=kafka');
    need(env.EVENT_STORE === 'kurrentdb', 'KURRENTDB_URL', 'EVENT_STORE=kurrentdb');
    need(env.READ_MODELS === 'mongodb', 'MONGODB_URL', 'READ_MODELS=mongodb');
    need(Boolean(env.TLS_KEY_FILE), 'TLS_CERT_FILE', 'TLS_KEY_FILE is set');
    need(Boolean(env.TLS_CERT_FILE), 'TLS_KEY_FILE', 'TLS_CERT_FILE is set');
  });

export interface RoamgateConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  /** Base URL partners and chargers reach this process at; defaults to http://localhost:PORT. */
  readonly publicUrl: string;
  readonly eventStore: 'sqlite' | 'kurrentdb';
  readonly bus: 'in-process' | 'kafka';
  readonly readModels: 'sqlite' | 'mongodb';
  readonly kafkaBrokers: readonly string[];
  /** In-process bus: how often messages every consumer group has read are deleted from its file; 0 keeps them all. */
  readonly busRetentionIntervalS: number;
  readonly kurrentDbUrl: string | undefined;
  readonly mongoDbUrl: string | undefined;
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** When set, the process terminates TLS itself (OCPP security profile 2 without an ingress). */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly ocpp: {
    /** `reject`: BootNotification of an unregistered charger is Rejected; `pending`: held in Pending. */
    readonly unknownChargers: 'reject' | 'pending';
    readonly heartbeatIntervalS: number;
    readonly commandTimeoutS: number;
    /** WebSocket ping interval; 0 turns keep-alive pings off. */
    readonly pingIntervalS: number;
    /** Frames older than this are deleted from the OCPP message log; 0 keeps every frame. */
    readonly messageLogRetentionDays: number;
    /**
     * How long after a newer start on its connector or EVSE a session still open there is closed as lost, so that a
     * stop the charger delivers late (after a reconnect) still ends it with its own figures; 0 closes at once.
     */
    readonly lostTransactionGraceS: number;
  };
}

/** Reads and validates the settings; every problem is reported by the name of its variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): RoamgateConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.');
        const got = typeof issue.path[0] === 'string' ? present[issue.path[0]] : undefined;
        return `${key}: ${issue.message}${got === undefined ? '' : ` (got "${got}")`}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: resolve(c.ROAMGATE_DATA_DIR),
    adminToken: c.ROAMGATE_ADMIN_TOKEN,
    publicUrl: (c.ROAMGATE_PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    eventStore: c.EVENT_STORE,
    bus: c.BUS,
    readModels: c.READ_MODELS,
    kafkaBrokers: (c.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean),
    busRetentionIntervalS: c.BUS_RETENTION_INTERVAL_S,
    kurrentDbUrl: c.KURRENTDB_URL,
    mongoDbUrl: c.MONGODB_URL,
    logLevel: c.LOG_LEVEL,
    tls: c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE } : undefined,
    ocpp: {
      unknownChargers: c.OCPP_UNKNOWN_CHARGERS,
      heartbeatIntervalS: c.OCPP_HEARTBEAT_INTERVAL_S,
      commandTimeoutS: c.OCPP_COMMAND_TIMEOUT_S,
      pingIntervalS: c.OCPP_PING_INTERVAL_S,
      messageLogRetentionDays: c.OCPP_MESSAGE_LOG_RETENTION_DAYS,
      lostTransactionGraceS: c.OCPP_LOST_TRANSACTION_GRACE_S,
    },
  };
}
