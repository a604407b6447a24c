import type { Bundle, BundleEntry, OperationOutcome, Resource } from 'fhir/r4';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';
import { httpStatusOf, isTransient } from '../fhir/retry';
import { isRejection } from './outcomes';

/**
 * Batch Bundles to the local server: many searches or conditional updates in one request, each
 * entry answered on its own. A page of 100 feed items and their references' targets fits in one
 * Bundle; larger sets are split so that no request body grows without bound.
 */
export const BATCH_ENTRIES = 200;

/** One entry's answer: its HTTP status, and what came with it. */
export interface EntryResult {
  status: number;
  location?: string;
  resource?: Resource;
  outcome?: OperationOutcome;
}

/** Runs a request with the applier's retry policy (transient failures retried with backoff). */
export type Retry = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * An entry's answer as the error the same request sent alone would have failed with (the
 * status, the OperationOutcome as the response body, the server's base as `config.url`):
 * isRejection, isTransient, describeRefusal and the cycle's health report then read it alike.
 */
export function entryError(result: EntryResult, baseUrl?: string): Error {
  return Object.assign(new Error(`batch entry answered ${result.status}`), {
    response: { status: result.status, data: result.outcome },
    ...(baseUrl !== undefined ? { config: { url: baseUrl } } : {}),
  });
}

export const isSuccess = (result: EntryResult): boolean => result.status >= 200 && result.status < 300;

/**
 * Sends `entries` as batch Bundles and returns each entry's answer, in the same order. A server
 * error or a timeout (on the request or on one of its entries) sends the Bundle again with
 * `retry`: searches and conditional updates are idempotent, so what was already done is found
 * done. A Bundle refused as a whole (400, 413, 422 ...) is sent again in halves down to the entry
 * at fault, which then gets the refusal a request of its own would have got: one bad item never
 * holds up the rest.
 */
export async function sendBatch(
  endpoint: FhirEndpoint,
  entries: readonly BundleEntry[],
  retry: Retry,
): Promise<EntryResult[]> {
  const results: EntryResult[] = [];
  for (let i = 0; i < entries.length; i += BATCH_ENTRIES) {
    results.push(...(await sendChunk(endpoint, entries.slice(i, i + BATCH_ENTRIES), retry)));
  }
  return results;
}

async function sendChunk(
  endpoint: FhirEndpoint,
  entries: readonly BundleEntry[],
  retry: Retry,
): Promise<EntryResult[]> {
  try {
    return await retry(async () => {
      const response = await endpoint.batch({ resourceType: 'Bundle', type: 'batch', entry: [...entries] });
      const results = resultsOf(response, entries.length, endpoint.baseUrl);
      // An Error (and its stack) built only for the entries that failed, not for every answer.
      const failed = results.find((r) => !isSuccess(r) && isTransient(entryError(r)));
      if (failed !== undefined) throw entryError(failed, endpoint.baseUrl);
      return results;
    });
  } catch (e) {
    if (!isRejection(e)) throw e;
    if (entries.length === 1) {
      const data = (e as { response?: { data?: unknown } }).response?.data;
      const outcome = (data as Resource | undefined)?.resourceType === 'OperationOutcome' ? data : undefined;
      return [{ status: httpStatusOf(e)!, outcome: outcome as OperationOutcome | undefined }];
    }
    const half = Math.ceil(entries.length / 2);
    return [
      ...(await sendChunk(endpoint, entries.slice(0, half), retry)),
      ...(await sendChunk(endpoint, entries.slice(half), retry)),
    ];
  }
}

/** The answers of a batch-response, one per entry sent; anything else is a broken server. */
function resultsOf(response: Bundle, sent: number, baseUrl: string): EntryResult[] {
  const broken = (message: string) => Object.assign(new Error(message), { config: { url: baseUrl } });
  const entries = response.resourceType === 'Bundle' ? (response.entry ?? []) : [];
  if (entries.length !== sent) {
    throw broken(`batch of ${sent} entries answered with ${entries.length} (${response.type ?? 'no type'})`);
  }
  return entries.map((entry, i) => {
    // `201 Created`, `201` or `200 OK`: the code leads.
    const status = Number.parseInt(entry.response?.status ?? '', 10);
    if (Number.isNaN(status)) throw broken(`batch-response entry ${i} without a status`);
    return {
      status,
      location: entry.response?.location,
      resource: entry.resource,
      outcome: entry.response?.outcome as OperationOutcome | undefined,
    };
  });
}
