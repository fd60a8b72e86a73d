import type { Bus, BusSubscription, OutgoingMessage } from '@roamgate/bus';

/** Bus that records what is published; `publishing` lets a test fail or hold publishes. */
export class RecordingBus implements Bus {
  readonly published: OutgoingMessage[] = [];
  publishCalls = 0;
  publishing: (messages: readonly OutgoingMessage[]) => Promise<void> | void = () => undefined;

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.publishCalls += 1;
    await this.publishing(messages);
    this.published.push(...messages);
  }

  subscribe(): Promise<BusSubscription> {
    throw new Error('RecordingBus: subscribe is not used');
  }

  isReady(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
