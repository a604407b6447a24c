import { SetMetadata } from '@nestjs/common';
import type { Permission } from '@passerelle/identity';

/**
 * What a FHIR route does, for the access guard: the SMART permission it needs on the route's
 * resource type, and whether it discloses patient data (then the token must carry a purpose of
 * use). Routes without it need no access token (metadata, health, token endpoint).
 */
export interface InteractionRule {
  /** Undefined: checked per entry (transaction and batch Bundles). */
  permission?: Permission;
  discloses: boolean;
  /** The resource type of a route that names it in its path rather than as `:type`. */
  type?: string;
}

export const INTERACTION = 'passerelle:interaction';

export const Interaction = (rule: InteractionRule) => SetMetadata(INTERACTION, rule);
