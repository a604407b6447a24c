import { Controller, Get, Inject } from '@nestjs/common';
import { READ_ONLY_TYPES, SUPPORTED_TYPES } from '@passerelle/fhir';
import { CLIENT_ALGORITHMS, CLIENT_CREDENTIALS } from '@passerelle/identity';

export const SMART_CONFIGURATION = Symbol('SMART_CONFIGURATION');

export interface SmartConfiguration {
  token_endpoint: string;
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  grant_types_supported: string[];
  scopes_supported: string[];
  capabilities: string[];
}

/**
 * What a SMART Backend Services client discovers before asking for a token. Any subset of a
 * listed scope's permissions may be requested (e.g. `system/Patient.rs`), in v2 or v1 spelling.
 */
export function smartConfiguration(publicBaseUrl: string): SmartConfiguration {
  return {
    token_endpoint: `${publicBaseUrl}/auth/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ALGORITHMS],
    grant_types_supported: [CLIENT_CREDENTIALS],
    scopes_supported: [
      'system/*.cruds',
      'system/*.rs',
      ...SUPPORTED_TYPES.map((type) => `system/${type}.${READ_ONLY_TYPES.has(type) ? 'rs' : 'cruds'}`),
    ],
    capabilities: ['client-confidential-asymmetric'],
  };
}

/** SMART discovery, at the root and under the FHIR base (where SMART clients look for it). */
@Controller()
export class SmartConfigurationController {
  constructor(@Inject(SMART_CONFIGURATION) private readonly document: SmartConfiguration) {}

  @Get(['.well-known/smart-configuration', 'fhir/.well-known/smart-configuration'])
  get(): SmartConfiguration {
    return this.document;
  }
}
