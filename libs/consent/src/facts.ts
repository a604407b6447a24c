import type { Coding } from 'fhir/r4';
import type { StoredResource } from '@passerelle/store';
import { effectiveLabels, sensitiveLabels } from './labels';
import type { ResourceFacts } from './types';

/**
 * A store row as the decision sees it. `security` holds `system|code`; `dataPeriod` defaults to
 * the row's indexed clinical date range.
 */
export function factsOf(
  stored: StoredResource,
  dataPeriod: ResourceFacts['dataPeriod'] = stored.dataPeriod,
): ResourceFacts {
  return {
    type: stored.type,
    id: stored.id,
    sourceAgency: stored.sourceAgency,
    patientId: stored.patientId,
    ...(stored.otherPatientIds.length > 0 ? { otherPatientIds: stored.otherPatientIds } : {}),
    securityLabels: stored.security.map(codingOf),
    ...(dataPeriod ? { dataPeriod } : {}),
  };
}

/** Whether a stored version carries a label that needs an explicit permit (the engine's own rule). */
export function hasSensitiveLabel(stored: Pick<StoredResource, 'security'>): boolean {
  return sensitiveLabels(effectiveLabels(stored.security.map(codingOf))).length > 0;
}

/** `system|code` split at the last '|' (a system URI may hold one); no '|' is a code alone. */
export function codingOf(token: string): Coding {
  const bar = token.lastIndexOf('|');
  if (bar < 0) return { code: token };
  const system = token.slice(0, bar);
  return system === '' ? { code: token.slice(bar + 1) } : { system, code: token.slice(bar + 1) };
}
