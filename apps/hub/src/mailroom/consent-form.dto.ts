import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { PAPER_FORM_AGENCY_KINDS, PAPER_FORM_CATEGORY_KEYS } from '@passerelle/consent';
import { LetterDto } from './mailroom.dto';

/** A returned paper consent form as the mailroom keys it in: its code and the boxes ticked. */

export class SharingBoxesDto {
  @ApiPropertyOptional({ description: '“I agree” is ticked: sharing for care' })
  agree?: boolean;

  @ApiPropertyOptional({ description: '“I refuse” is ticked' })
  refuse?: boolean;
}

export class ConsentFormDto {
  @ApiProperty({
    example: 'K7QM-2XWP-9TRB-4',
    description: 'As printed on the form; case, spaces and dashes do not matter; the last symbol is a check',
  })
  code!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(SharingBoxesDto) },
    description: `Per kind of agency (${PAPER_FORM_AGENCY_KINDS.join(', ')}), the boxes ticked; both ticked is refused as contradictory`,
    example: { hospital: { refuse: true }, gp: { agree: true } },
  })
  sharing?: Record<string, SharingBoxesDto>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string', enum: [...PAPER_FORM_AGENCY_KINDS] } },
    description: `Per sensitive category (${PAPER_FORM_CATEGORY_KEYS.join(', ')}), the kinds of agency ticked (not one whose sharing is refused)`,
    example: { 'mental-health': ['gp'] },
  })
  sensitive?: Record<string, string[]>;

  @ApiProperty({ description: 'The form is signed; an unsigned form is refused', example: true })
  signed!: boolean;

  @ApiPropertyOptional({ example: '2025-05-18', description: 'The date written beside the signature' })
  signedOn?: string;
}

export class RecordedFormDto {
  @ApiProperty({ format: 'uuid' })
  formId!: string;

  @ApiProperty({ description: 'The hub Patient record the form was sent about' })
  patientId!: string;

  @ApiProperty({ example: 'Consent/1b9e...', description: 'Written by the hub on the patient’s behalf' })
  consent!: string;

  @ApiProperty()
  consentVersion!: number;

  @ApiProperty({ type: [String], description: 'The person’s earlier paper-form Consents, now inactive' })
  replaced!: string[];

  @ApiProperty({ type: LetterDto, description: 'The letter confirming the choices to the patient' })
  confirmation!: LetterDto;
}
