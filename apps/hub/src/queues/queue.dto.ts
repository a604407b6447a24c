import { ApiProperty } from '@nestjs/swagger';
import { QUEUE_NAMES, type QueueDriverKind, type QueueName } from '@passerelle/sync';

/** Response shapes of the queue admin API, for its OpenAPI document. */
export class QueueCountsDto {
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty({ description: 'Waiting out a backoff delay before the next try' }) delayed!: number;
  @ApiProperty({ description: 'Dead letters' }) failed!: number;
  @ApiProperty({ description: 'Completed jobs still kept (1000 / 1 hour by default)' }) completed!: number;
}

export class QueueStatusDto {
  @ApiProperty({ enum: QUEUE_NAMES }) name!: QueueName;
  @ApiProperty({ type: QueueCountsDto }) counts!: QueueCountsDto;
}

export class QueuesOverviewDto {
  @ApiProperty({ enum: ['bullmq', 'in-process'] }) driver!: QueueDriverKind;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '/admin/queues/board/',
    description: 'Bull Board, with the BullMQ driver only',
  })
  board!: string | null;
  @ApiProperty({ type: [QueueStatusDto] }) queues!: QueueStatusDto[];
}

export class DeadLetterDto {
  @ApiProperty({ example: 'route-1234_1234' }) id!: string;
  @ApiProperty({ enum: QUEUE_NAMES }) queue!: QueueName;
  @ApiProperty({ description: 'Ids only, never patient data', example: { from: '1234', through: '1234' } })
  data!: Record<string, string>;
  @ApiProperty({ example: 'agency FHIR server answered 503' }) failedReason!: string;
  @ApiProperty({ example: 5 }) attemptsMade!: number;
  @ApiProperty({ description: 'When it failed for good, epoch milliseconds' }) finishedOn!: number;
}

export class ReplayedDto {
  @ApiProperty({ enum: QUEUE_NAMES }) queue!: QueueName;
  @ApiProperty({ example: 'route-1234_1234' }) jobId!: string;
  @ApiProperty({ enum: ['replayed'] }) status!: 'replayed';
}
