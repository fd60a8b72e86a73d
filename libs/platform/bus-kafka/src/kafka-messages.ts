import type { DeliveredMessage, OutgoingMessage } from '@roamgate/bus';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Keys and header values travel as UTF-8 strings; values as the bytes given. */
export function toKafkaMessage(message: OutgoingMessage): Message {
  if (typeof message.topic !== 'string' || message.topic.length === 0) throw new TypeError('message needs a topic');
  if (typeof message.key !== 'string') throw new TypeError(`message on ${message.topic} needs a string key`);
  if (!(message.value instanceof Uint8Array)) throw new TypeError(`message on ${message.topic} needs a Uint8Array value`);
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (typeof value !== 'string') throw new TypeError(`header ${name} on ${message.topic} must be a string`);
    headers[name] = value;
  }
  return {
    key: message.key,
    value: Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength),
    headers,
  };
}

export function toDelivered(topic: string, partition: number, message: KafkaMessage): DeliveredMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // Kafka allows a header name more than once; the port has one value per name, the last one wins.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return {
    topic,
    key: message.key?.toString() ?? '',
    value: message.value ?? new Uint8Array(0),
    headers,
    partition,
    offset: Number(message.offset),
    attempt: 1,
  };
}
