import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AGENCY_KINDS,
  AGENCY_STATUSES,
  type AgencyKind,
  type AgencyStatus,
  type Jwks,
} from '@passerelle/identity';

const JWKS_EXAMPLE = { keys: [{ kty: 'EC', crv: 'P-384', kid: 'key-2026', x: '…', y: '…' }] };

/** Request and response shapes of the admin API, for its OpenAPI document. Checked by AgencyService. */
export class CreateAgencyDto {
  @ApiProperty({ example: 'chu-nantes', description: 'Client id and Organization id: 2-63 of a-z, 0-9, -' })
  id!: string;

  @ApiProperty({ enum: AGENCY_KINDS })
  kind!: AgencyKind;

  @ApiProperty({ example: 'CHU de Nantes' })
  name!: string;

  @ApiProperty({
    description: 'Public keys (JWKS): RSA ≥ 2048 bits for RS384 or EC P-384 for ES384',
    example: JWKS_EXAMPLE,
  })
  jwks!: Jwks;

  @ApiProperty({ type: [String], example: ['system/*.rs', 'system/Observation.cu'] })
  scopes!: string[];

  @ApiPropertyOptional({
    description:
      "Official identifiers (FINESS, ODS, ...): records naming an Organization with one of them name this agency (a patient's GP, a referral's performer)",
    example: [{ system: 'http://finess.sante.gouv.fr', value: '440000289' }],
  })
  identifiers?: { system: string; value: string }[];

  @ApiPropertyOptional({
    example: 'GB',
    description:
      "ISO 3166-1 alpha-2 code of the agency's country: patients' addresses it records without a country are taken to be there. Absent: the hub's country (LETTER_SENDER_COUNTRY, FR by default)",
  })
  country?: string;
}

export class UpdateAgencyDto {
  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional({ enum: AGENCY_STATUSES, description: 'suspended: no new access tokens' })
  status?: AgencyStatus;

  @ApiPropertyOptional({ description: 'Replaces the registered keys (rotation)', example: JWKS_EXAMPLE })
  jwks?: Jwks;

  @ApiPropertyOptional({ type: [String] })
  scopes?: string[];

  @ApiPropertyOptional({ description: 'Replaces the official identifiers' })
  identifiers?: { system: string; value: string }[];

  @ApiPropertyOptional({ example: 'GB', description: "Replaces the agency's country (null removes it)" })
  country?: string | null;
}

export class AgencyDto extends CreateAgencyDto {
  @ApiProperty({ enum: AGENCY_STATUSES })
  status!: AgencyStatus;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;
}
