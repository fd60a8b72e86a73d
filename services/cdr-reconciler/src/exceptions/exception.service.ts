import { createHash } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import type { FieldValue, ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { exceptionStream, reconEventCodec, type ExceptionTypeName, type OwnerName, type StatusName } from '../recon-events';
import { exceptionDecider, InvalidTransitionError, type ExceptionCommand, type ExceptionFinding } from './exception.decider';
import { EXCEPTIONS, type ExceptionDocument } from './recon-documents';

/**
 * The id of an exception follows from the partner, its type and what it is about, so importing the same
 * file again finds the exceptions already open instead of opening them twice.
 */
export function exceptionIdOf(partnerId: string, type: ExceptionTypeName, subject: string): string {
  return createHash('sha256').update(`${partnerId}\u0000${type}\u0000${subject}`).digest('hex').slice(0, 32);
}

export interface ExceptionFilter {
  readonly partnerId?: string;
  readonly status?: StatusName;
  readonly type?: ExceptionTypeName;
  readonly owner?: OwnerName;
  readonly sessionId?: string;
  readonly ourCdrId?: string;
}

@Injectable()
export class ExceptionService {
  private readonly repository: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) events: EventStore,
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
  ) {
    this.repository = new AggregateRepository(events);
  }

  /** Opens the exception unless it exists; true when it was opened now. */
  async open(finding: ExceptionFinding, now: Date): Promise<boolean> {
    const result = await this.handle(finding.exceptionId, { type: 'OpenException', finding, now });
    return result.events.length > 0;
  }

  investigate(id: string, input: { note?: string; by: string }) {
    return this.transition(id, { type: 'Investigate', ...(input.note === undefined ? {} : { note: input.note }), by: input.by, now: new Date() });
  }

  resolve(id: string, input: { resolution: string; note: string; by: string }) {
    return this.transition(id, { type: 'Resolve', ...input, now: new Date() });
  }

  accept(id: string, input: { note: string; by: string }) {
    return this.transition(id, { type: 'Accept', ...input, now: new Date() });
  }

  async list(filter: ExceptionFilter, offset: number, limit: number) {
    const where: Record<string, FieldValue> = {};
    for (const [field, value] of Object.entries(filter)) if (value !== undefined) where[field] = value as string;
    const found = await this.store.find<ExceptionDocument>(EXCEPTIONS, { where, sort: { field: 'openedAt', direction: 'desc' }, offset, limit });
    return { items: found.items.map((d) => d.data), total: found.total, offset, limit };
  }

  async get(id: string): Promise<ExceptionDocument> {
    const doc = await this.store.get<ExceptionDocument>(EXCEPTIONS, id);
    if (doc === undefined) throw new NotFoundException(`exception ${id} not found (the queue is projected asynchronously: a fresh one may take a moment)`);
    return doc.data;
  }

  private async transition(id: string, command: ExceptionCommand) {
    try {
      const result = await this.handle(id, command);
      return { id, status: result.state.status, revision: result.revision };
    } catch (error) {
      if (error instanceof InvalidTransitionError) {
        if (error.from === null && error.message === 'no such exception') throw new NotFoundException(`exception ${id} not found`);
        throw new ConflictException(error.message);
      }
      throw error;
    }
  }

  private handle(id: string, command: ExceptionCommand) {
    return this.repository.handle(exceptionStream(id), exceptionDecider, reconEventCodec as never, () => [command]);
  }
}
