#!/usr/bin/env node
// `npm run start:cluster`: the five services as separate processes over Kafka on one host, sharing the
// embedded event store file (SQLite WAL is multi-process safe); each keeps its own read models.
// Needs KAFKA_BROKERS (start a broker with scripts/kafka/start.sh). Ports: PORT (default 8081) upwards.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const SERVICES = ['charger-gateway', 'ocpi-connector', 'tariff-engine', 'cdr-reconciler', 'gate-evaluator'];
if (!process.env.KAFKA_BROKERS) {
  console.error('KAFKA_BROKERS is not set: start a broker with `scripts/kafka/start.sh` and export the line it prints');
  process.exit(1);
}
const basePort = Number(process.env.PORT ?? 8081);
const portOf = (name) => basePort + SERVICES.indexOf(name);
const scheme = process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE ? 'https' : 'http';
// The reconciler's support timeline reads the gateway's, the OCPI connector's and the tariff engine's operations
// APIs (docs/reconciliation.md); a URL already in the environment wins.
const reconApis = {
  RECON_GATEWAY_API_URL: process.env.RECON_GATEWAY_API_URL || `${scheme}://127.0.0.1:${portOf('charger-gateway')}`,
  RECON_OCPI_API_URL: process.env.RECON_OCPI_API_URL || `${scheme}://127.0.0.1:${portOf('ocpi-connector')}`,
  RECON_TARIFF_API_URL: process.env.RECON_TARIFF_API_URL || `${scheme}://127.0.0.1:${portOf('tariff-engine')}`,
};
const children = SERVICES.map((name, i) => {
  const port = basePort + i;
  const child = spawn(process.execPath, [join('services', name, 'dist', 'main.js')], {
    env: { ...process.env, BUS: 'kafka', PORT: String(port), ...(name === 'cdr-reconciler' ? reconApis : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (text) => process.stdout.write(text.replace(/^(?=.)/gm, `[${name}] `)));
  }
  child.on('exit', (code, signal) => {
    console.log(`[${name}] exited (${signal ?? code})`);
    if (!stopping) stop(1);
  });
  console.log(`[${name}] http://localhost:${port}`);
  return child;
});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());
