import {
  BackendServicesClient,
  type BackendServicesOptions,
  backendServicesAuth,
} from '../auth/backend-services';
import type { HubClientConfig } from '../connector-config';
import type { RequestAuth } from '../fhir/fhir-endpoint';

export type HubTokenOptions = BackendServicesOptions;

/**
 * The hub's SMART Backend Services client: the token endpoint from the hub's
 * `/.well-known/smart-configuration` (or HUB_TOKEN_URL), the agency's key, its scopes and the
 * purpose of use its data is read for.
 */
export class HubTokenProvider extends BackendServicesClient {
  constructor(config: HubClientConfig, options: HubTokenOptions = {}) {
    super(
      {
        server: 'hub',
        clientId: config.clientId,
        key: config.key,
        scope: config.scope,
        discoveryBase: config.url,
        ...(config.tokenUrl !== undefined ? { tokenUrl: config.tokenUrl } : {}),
        form: { purpose_of_use: config.purposeOfUse },
        refusalHint: `is agency ${config.clientId} registered at the hub with this key (kid ${config.key.kid}) and these scopes?`,
      },
      options,
    );
  }
}

/** Request auth for the hub: the cached access token, renewed once when the hub answers 401. */
export function hubRequestAuth(tokens: HubTokenProvider): RequestAuth {
  return backendServicesAuth(tokens);
}
