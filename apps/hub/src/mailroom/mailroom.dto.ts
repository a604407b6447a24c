import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LETTER_KINDS } from '@passerelle/letters';
import {
  type HeldReason,
  LETTER_STATUSES,
  type LetterStatus,
  RUN_STATUSES,
  type RunStatus,
} from '@passerelle/mailroom';

/** Shapes of the mailroom's admin API, for its OpenAPI document. No names or addresses: ids and codes. */

const KINDS = LETTER_KINDS;

export class LetterDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    example: 'A1B2-C3D4-E5F6-0718',
    description: 'Printed on the letter; the patient quotes it',
  })
  reference!: string;

  @ApiProperty({ description: 'The hub Patient record the letter is about' })
  patientId!: string;

  @ApiProperty({ enum: KINDS })
  kind!: (typeof KINDS)[number];

  @ApiProperty({
    enum: LETTER_STATUSES,
    description:
      'new: channel not decided yet; digital: told online (communicationId); pending: waits for a run; held: waits for an operator',
  })
  status!: LetterStatus;

  @ApiPropertyOptional({
    example: 'no-address',
    description:
      'Why it is held: an address problem (no-address, bad-postcode, no-fixed-abode ...), deceased, address-returned, no-patient, missing-source, too-long, render-failed',
  })
  heldReason?: HeldReason;

  @ApiPropertyOptional({ example: 'No postal address is recorded for this patient.' })
  heldMessage?: string;

  @ApiProperty({ enum: ['fr', 'en'] })
  language!: string;

  @ApiProperty()
  largePrint!: boolean;

  @ApiPropertyOptional({ format: 'uuid' })
  runId?: string;

  @ApiPropertyOptional()
  pages?: number;

  @ApiPropertyOptional({ description: 'The hub Communication that told the patient online' })
  communicationId?: string;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;

  @ApiPropertyOptional()
  returnedAt?: Date;
}

export class LetterPageDto {
  @ApiProperty({ type: [LetterDto] })
  items!: LetterDto[];

  @ApiPropertyOptional({ description: 'Pass as `after` for the next page' })
  next?: string;
}

export class RunDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: RUN_STATUSES,
    description: 'building → ready → printed → posted; failed: letters went back to pending',
  })
  status!: RunStatus;

  @ApiProperty({ description: 'Letters taken into the run' })
  gathered!: number;

  @ApiProperty({ description: 'Letters in the PDF' })
  letters!: number;

  @ApiProperty({ description: 'Letters that went back to held while rendering' })
  held!: number;

  @ApiProperty()
  pages!: number;

  @ApiProperty({ description: 'Sheets printed on both sides' })
  sheets!: number;

  @ApiPropertyOptional()
  failure?: string;

  @ApiProperty()
  createdAt!: Date;

  @ApiPropertyOptional()
  readyAt?: Date;

  @ApiPropertyOptional()
  printedAt?: Date;

  @ApiPropertyOptional()
  postedAt?: Date;

  @ApiPropertyOptional()
  failedAt?: Date;
}

export class RunPageDto {
  @ApiProperty({ type: [RunDto] })
  items!: RunDto[];

  @ApiPropertyOptional()
  next?: string;
}

export class CreatedRunDto {
  @ApiProperty({ type: RunDto, nullable: true, description: 'null when no letter was waiting' })
  run!: RunDto | null;
}

export class ReturnedLetterDto {
  @ApiProperty({ type: LetterDto })
  letter!: LetterDto;

  @ApiProperty({ description: 'Later letters to this address are held until the record’s address changes' })
  addressFlagged!: boolean;

  @ApiProperty({ type: [String], description: 'Agencies that got a Communication about it' })
  agenciesTold!: string[];
}

export class RequestLetterDto {
  @ApiProperty({ enum: ['patient-summary'], description: 'Only summaries are asked for by hand' })
  kind!: 'patient-summary';

  @ApiProperty({ description: 'The hub Patient record' })
  patientId!: string;

  @ApiPropertyOptional({
    description: 'Makes the request idempotent: the same key gives the same letter (e.g. a call-log id)',
  })
  requestKey?: string;
}

export class AccessReportsDto {
  @ApiProperty({ example: '2025-01-01T00:00:00+01:00' })
  start!: string;

  @ApiProperty({ example: '2025-04-01T00:00:00+02:00', description: 'Exclusive; not in the future' })
  end!: string;
}

export class AccessReportsResultDto {
  @ApiProperty({ description: 'People whose records agencies accessed in the period' })
  people!: number;

  @ApiProperty({ description: 'Letters made (people without an online account, not asked for before)' })
  letters!: number;

  @ApiProperty({ description: 'People with an online account: they read the report online' })
  online!: number;
}
