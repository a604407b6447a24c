import { Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { badRequest, conflict, notFound } from '@passerelle/fhir';
import {
  type DeadLetter,
  isQueueName,
  QUEUE_DRIVER,
  QUEUE_NAMES,
  type QueueDriver,
  type QueueName,
} from '@passerelle/sync';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { BOARD_PATH } from './queue-board';
import { DeadLetterDto, QueuesOverviewDto, ReplayedDto } from './queue.dto';

function queueParam(value: string | undefined, name: string): QueueName | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isQueueName(value)) throw badRequest(`${name} must be one of ${QUEUE_NAMES.join(', ')}`, [name]);
  return value;
}

function intParam(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw badRequest(`${name} must be a whole number from ${min} to ${max}`, [name]);
  return n;
}

/** Operators see the queues, list the jobs that failed for good, and put them back. */
@ApiTags('queues')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/queues')
export class QueuesAdminController {
  constructor(@Inject(QUEUE_DRIVER) private readonly driver: QueueDriver) {}

  @Get()
  @ApiOkResponse({ type: QueuesOverviewDto })
  async overview(): Promise<QueuesOverviewDto> {
    return {
      driver: this.driver.kind,
      board: this.driver.kind === 'bullmq' ? `${BOARD_PATH}/` : null,
      queues: await Promise.all(
        QUEUE_NAMES.map(async (name) => ({ name, counts: await this.driver.counts(name) })),
      ),
    };
  }

  /** Newest first; every queue when `queue` is not given. */
  @Get('dead-letters')
  @ApiQuery({ name: 'queue', required: false, enum: QUEUE_NAMES })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-1000, default 100' })
  @ApiOkResponse({ type: [DeadLetterDto] })
  async deadLetters(
    @Query('queue') queue?: string,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ): Promise<DeadLetter[]> {
    const only = queueParam(queue, 'queue');
    const page = {
      offset: intParam(offset, 'offset', 0, 0, 1_000_000),
      limit: intParam(limit, 'limit', 100, 1, 1000),
    };
    if (only) return this.driver.deadLetters(only, page);
    if (page.offset + page.limit > 1000) throw badRequest('Beyond the first 1000, give a queue', ['offset']);
    // Across queues: each queue's newest offset+limit, merged newest first, then the page.
    const each = await Promise.all(
      QUEUE_NAMES.map((name) =>
        this.driver.deadLetters(name, { offset: 0, limit: page.offset + page.limit }),
      ),
    );
    return each
      .flat()
      .sort((a, b) => b.finishedOn - a.finishedOn)
      .slice(page.offset, page.offset + page.limit);
  }

  /** The job runs again with its attempts reset. 404: no such job; 409: it is not a dead letter. */
  @Post(':queue/dead-letters/:jobId/replay')
  @HttpCode(200)
  @ApiOkResponse({ type: ReplayedDto })
  async replay(@Param('queue') queue: string, @Param('jobId') jobId: string): Promise<ReplayedDto> {
    if (!isQueueName(queue)) throw notFound(`No queue named ${queue}`);
    const result = await this.driver.replay(queue, jobId);
    switch (result) {
      case 'replayed':
        return { queue, jobId, status: 'replayed' };
      case 'not-found':
        throw notFound(`No job ${jobId} in queue ${queue}`);
      case 'not-failed':
        throw conflict(`Job ${jobId} in queue ${queue} is not a dead letter`);
    }
  }
}
