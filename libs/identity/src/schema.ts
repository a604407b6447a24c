import type { Schema } from '@passerelle/store';
import { AgencyEntity } from './agency/agency.entity';
import { HubSecretEntity } from './auth/hub-secret.entity';
import { UsedJtiEntity } from './auth/used-jti.entity';
import { Identity1764400000000 } from './migrations/1764400000000-Identity';
import { PatientIndex1764400000001 } from './migrations/1764400000001-PatientIndex';
import { QualifiedNationalIds1765200000061 } from './migrations/1765200000061-QualifiedNationalIds';
import { AgencyTokenUse1765710000001 } from './migrations/1765710000001-AgencyTokenUse';
import { MPI_ENTITIES } from './mpi/mpi.entities';

/** The identity lib's tables. A new migration is a new file added here, never an edit of an old one. */
export const IDENTITY_SCHEMA: Schema = {
  entities: [AgencyEntity, UsedJtiEntity, HubSecretEntity, ...MPI_ENTITIES],
  migrations: [
    Identity1764400000000,
    PatientIndex1764400000001,
    QualifiedNationalIds1765200000061,
    AgencyTokenUse1765710000001,
  ],
};
