import { Logger } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { EVENT_HEADERS } from '@roamgate/relay';

/**
 * Hands each event of a consumer group's messages (see LaunchConsumers) to `project` with its type and stream
 * revision, the two headers the relay sets; other types are skipped before decoding. Throwing makes the bus
 * retry the message, and dead-letter it in the end.
 */
export abstract class TopicProjector {
  private readonly logger: Logger;

  protected constructor(group: string) {
    this.logger = new Logger(group);
  }

  async handle(message: DeliveredMessage): Promise<void> {
    const type = message.headers[EVENT_HEADERS.eventType] ?? '';
    if (!this.handles(type)) return;
    try {
      const revision = Number(message.headers[EVENT_HEADERS.revision]);
      if (!Number.isSafeInteger(revision) || revision < 0) throw new Error('the message lacks its stream revision header');
      await this.project(type, revision, message.value, message.headers[EVENT_HEADERS.streamId] ?? '');
    } catch (error) {
      this.logger.warn(`${message.topic} ${message.key} offset ${message.offset} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }

  /** A batch of one partition (`@EventPattern(topic, { group, batch: true })`): its messages in order, one offset commit. */
  async handleBatch(messages: readonly DeliveredMessage[]): Promise<void> {
    for (const message of messages) await this.handle(message);
  }

  protected abstract handles(type: string): boolean;
  /** `streamId` is the relay's stream header, '' when absent: what a projection can decide before decoding. */
  protected abstract project(type: string, revision: number, value: Uint8Array, streamId: string): Promise<void>;
}
