import type { Bundle } from 'fhir/r4';
import { authHeader } from './auth';

/** A transaction Bundle ready to send: serialised once, up front, so the client does little work when timed. */
export interface PreparedBundle {
  body: string;
  entries: number;
}

export function prepare(bundle: Bundle): PreparedBundle {
  return { body: JSON.stringify(bundle), entries: bundle.entry?.length ?? 0 };
}

/**
 * POSTs one transaction over keep-alive (Node's fetch pools connections per origin). Anything
 * but a 200 transaction-response with a 2xx for every entry throws: the run is then invalid.
 * Entries are 201 (created) or 200 (a conditional create that found the shared directory resource).
 */
export async function postTransaction(
  fhir: string,
  token: string | undefined,
  bundle: PreparedBundle,
): Promise<{ answer: Bundle; created: number }> {
  const res = await fetch(fhir, {
    method: 'POST',
    headers: {
      ...authHeader(token),
      'content-type': 'application/fhir+json',
      accept: 'application/fhir+json',
    },
    body: bundle.body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`hub answered ${res.status} to a bundle: ${text.slice(0, 2000)}`);
  const answer = JSON.parse(text) as Bundle;
  const statuses = (answer.entry ?? []).map((e) => e.response?.status ?? '');
  const ok = statuses.filter((s) => s.startsWith('200') || s.startsWith('201')).length;
  if (answer.type !== 'transaction-response' || ok !== bundle.entries) {
    throw new Error(
      `hub answered 200 but ${ok} of ${bundle.entries} entries are 2xx: ${text.slice(0, 2000)}`,
    );
  }
  return { answer, created: statuses.filter((s) => s.startsWith('201')).length };
}
