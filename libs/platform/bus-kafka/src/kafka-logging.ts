import { logLevel, type logCreator } from 'kafkajs';

export interface KafkaBusLogger {
  warn(message: string): void;
  error(message: string): void;
}

const stderrLogger: KafkaBusLogger = {
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/** Part of every rebalance, which is routine for a consumer group; kafkajs logs it as a warning. */
const ROUTINE = ['The group is rebalancing, re-joining'];

/**
 * kafkajs logs every error response of the broker as an error, retriable ones included (a rebalance
 * in progress, a coordinator still loading); those it cannot retry come back to the caller anyway.
 */
const isErrorResponse = (namespace: string, message: string) =>
  namespace === 'Connection' && message.startsWith('Response ');

/** kafkajs log entries at warn and error, as one line each: `kafkajs <namespace>: <message> {extra}`. */
export function kafkaLogCreator(logger: KafkaBusLogger = stderrLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (level > logLevel.WARN) return;
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      // A refused connection's stack says nothing the message does not.
      if (namespace === 'Connection' || namespace === 'BrokerPool') delete extra.stack;
      if (ROUTINE.includes(message) || isErrorResponse(namespace, message)) return;
      const details = Object.keys(extra).length > 0 ? ` ${safeJson(extra)}` : '';
      const line = `kafkajs ${namespace}: ${message}${details}`;
      if (level <= logLevel.ERROR) logger.error(line);
      else logger.warn(line);
    };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
