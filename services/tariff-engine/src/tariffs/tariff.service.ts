import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import { AggregateRepository, EVENT_STORE } from '@roamgate/runtime';
import {
  activeAssignmentFor,
  tariffDecider,
  TariffRejected,
  type TariffAssignment,
  type TariffCommand,
  type TariffState,
  type TariffTarget,
} from './tariff.decider';
import { tariffEventCodec, tariffStreamName } from './tariff-events';

export type PublishOutcome = 'created' | 'updated' | 'unchanged';

export interface AssignInput {
  readonly target: TariffTarget;
  readonly timeZone: string;
  readonly validFrom?: Date;
  readonly by?: string;
}

/** Carries tariff management commands out on the tariff streams; rejections become HTTP errors. */
@Injectable()
export class TariffService {
  private readonly repository: AggregateRepository;

  constructor(@Inject(EVENT_STORE) events: EventStore) {
    this.repository = new AggregateRepository(events);
  }

  async publish(tariffId: string, tariff: unknown, by = 'api'): Promise<{ outcome: PublishOutcome; state: TariffState }> {
    const result = await this.handle(tariffId, { type: 'PublishTariff', tariffId, tariff, now: new Date(), by });
    const outcome = result.events.length === 0 ? 'unchanged' : result.state.versions.length === 1 ? 'created' : 'updated';
    return { outcome, state: result.state };
  }

  async delete(tariffId: string, by = 'api'): Promise<{ deleted: boolean; state: TariffState }> {
    const result = await this.handle(tariffId, { type: 'DeleteTariff', tariffId, now: new Date(), by });
    return { deleted: result.events.length > 0, state: result.state };
  }

  async assign(tariffId: string, input: AssignInput): Promise<{ created: boolean; assignment: TariffAssignment; state: TariffState }> {
    const result = await this.handle(tariffId, {
      type: 'AssignTariff',
      tariffId,
      assignmentId: randomUUID(),
      target: input.target,
      timeZone: input.timeZone,
      ...(input.validFrom === undefined ? {} : { validFrom: input.validFrom }),
      now: new Date(),
      by: input.by ?? 'api',
    });
    const assignment = activeAssignmentFor(result.state, input.target);
    if (assignment === undefined) throw new Error(`tariff ${tariffId}: the assignment is missing after it was made`);
    return { created: result.events.length > 0, assignment, state: result.state };
  }

  async unassign(tariffId: string, assignmentId: string, by = 'api'): Promise<{ ended: boolean; assignment: TariffAssignment }> {
    const result = await this.handle(tariffId, { type: 'UnassignTariff', tariffId, assignmentId, now: new Date(), by });
    const assignment = result.state.assignments.find((a) => a.assignmentId === assignmentId)!;
    return { ended: result.events.length > 0, assignment };
  }

  private async handle(tariffId: string, command: TariffCommand) {
    try {
      return await this.repository.handle(tariffStreamName(tariffId), tariffDecider, tariffEventCodec, () => [command]);
    } catch (error) {
      throw httpErrorOf(error);
    }
  }
}

function httpErrorOf(error: unknown): unknown {
  if (!(error instanceof TariffRejected)) return error;
  switch (error.kind) {
    case 'invalid':
      return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: error.message, issues: error.issues });
    case 'conflict':
      return new ConflictException(error.message);
    case 'not_found':
      return new NotFoundException(error.message);
  }
}
