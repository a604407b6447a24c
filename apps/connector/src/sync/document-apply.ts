import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { localTarget } from '@passerelle/fhir';
import type { Binary, DocumentReference, Resource } from 'fhir/r4';
import { checkHash, ContentRefused, fetchContent } from '../fhir/content-fetch';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';
import { entryError, isSuccess, sendBatch } from './apply-batch';
import { describeRefusal, isRejection } from './outcomes';

export interface DocumentApplyDeps {
  agency: FhirEndpoint;
  hub: FhirEndpoint;
  /** DOCUMENT_MAX_BYTES: the largest content written here, per attachment. */
  maxBytes: number;
  retry<T>(fn: () => Promise<T>): Promise<T>;
  logger: LoggerService;
  signal?: AbortSignal;
}

export interface ContentCounts {
  /** Document contents written to the local server. */
  contentWritten: number;
  /** Documents not applied because of their content (too large, hash mismatch, unreadable at the hub). */
  rejected: number;
}

/**
 * The feed brings a shared document's content as a hub Binary just before the document. Before
 * a page is applied, each document whose attachment names a hub Binary gets that content written
 * to the local server as a Binary of its own (the feed's copy, or, when an earlier page brought
 * it, read from the hub: IHE MHD's retrieve document, consent-checked and audited there), and its
 * `attachment.url` rewritten to the local Binary. The Binaries themselves are not applied as feed
 * items. A document whose content fails its hash or the size limit, or whose local Binary the
 * server refuses (400, 409, 412, 413, 422), is not applied (reported); 401, 403 and 404 stop the
 * cycle, as for any write. The local Binaries go in batch requests (conditional on nothing: `PUT
 * Binary/{id}`, idempotent), each holding at most DOCUMENT_MAX_BYTES of content, not one request
 * per document.
 */
export async function placeDocumentContent(
  items: readonly Resource[],
  deps: DocumentApplyDeps,
  counts: ContentCounts,
): Promise<Resource[]> {
  const hubBase = deps.hub.baseUrl.replace(/\/+$/, '');
  const fed = new Map<string, Binary>();
  for (const item of items) if (item.resourceType === 'Binary' && item.id) fed.set(item.id, item as Binary);
  const placed: Placed[] = [];
  const pending = new ContentBatch(deps);
  for (const item of items) {
    if (item.resourceType === 'Binary') continue;
    if (item.resourceType !== 'DocumentReference') {
      placed.push({ item });
      continue;
    }
    const document = structuredClone(item as DocumentReference);
    const writes: Binary[] = [];
    let bytesHeld = 0;
    try {
      for (const content of document.content) {
        const hubId = hubBinaryIdOf(content.attachment.url, hubBase);
        if (hubId === undefined) continue;
        const bytes = await contentOf(hubId, fed.get(hubId), content.attachment.contentType, deps);
        checkHash(bytes, content.attachment.hash);
        const local: Binary & { id: string } = {
          resourceType: 'Binary',
          id: localBinaryId(hubBase, hubId),
          contentType:
            content.attachment.contentType ?? fed.get(hubId)?.contentType ?? 'application/octet-stream',
          data: bytes.toString('base64'),
        };
        writes.push(local);
        bytesHeld += bytes.length;
        content.attachment = { ...content.attachment, url: `Binary/${local.id}` };
      }
    } catch (e) {
      if (!(e instanceof ContentRefused)) throw e;
      counts.rejected++;
      deps.logger.warn(`DocumentReference/${item.id ?? '?'} not applied: ${e.message}`, 'FeedApplier');
      continue;
    }
    await pending.add(writes, bytesHeld);
    placed.push({ item, document, writes });
  }
  await pending.flush();
  return placed.flatMap((p) => {
    if (p.document === undefined) return [p.item];
    const { item, document, writes } = p;
    const refusal = writes.map((w) => pending.refused.get(w)).find((r) => r !== undefined);
    if (refusal !== undefined) {
      counts.rejected++;
      deps.logger.warn(
        `DocumentReference/${item.id ?? '?'} not applied: local server refused its content: ${describeRefusal(refusal)}`,
        'FeedApplier',
      );
      return [];
    }
    counts.contentWritten += writes.length;
    return [document];
  });
}

/** A feed item in apply order, and for a document its copy pointing at the local Binaries written for it. */
type Placed =
  | { item: Resource; document?: undefined }
  | { item: Resource; document: DocumentReference; writes: Binary[] };

/**
 * Local Binaries waiting to be written, sent as one batch request once they hold
 * DOCUMENT_MAX_BYTES of content (so a request carries no more than the largest single document
 * may), and at the end of the page. A refusal of one entry is kept for its document.
 */
class ContentBatch {
  readonly refused = new Map<Binary, Error>();
  private waiting: Binary[] = [];
  private bytes = 0;

  constructor(private readonly deps: DocumentApplyDeps) {}

  async add(writes: readonly Binary[], bytes: number): Promise<void> {
    if (writes.length === 0) return;
    if (this.waiting.length > 0 && this.bytes + bytes > this.deps.maxBytes) await this.flush();
    this.waiting.push(...writes);
    this.bytes += bytes;
  }

  async flush(): Promise<void> {
    const writes = this.waiting;
    this.waiting = [];
    this.bytes = 0;
    if (writes.length === 0) return;
    const results = await sendBatch(
      this.deps.agency,
      writes.map((resource) => ({ resource, request: { method: 'PUT', url: `Binary/${resource.id}` } })),
      (fn) => this.deps.retry(fn),
    );
    results.forEach((result, i) => {
      if (isSuccess(result)) return;
      const error = entryError(result, this.deps.agency.baseUrl);
      if (!isRejection(error)) throw error;
      this.refused.set(writes[i], error);
    });
  }
}

async function contentOf(
  hubId: string,
  fed: Binary | undefined,
  contentType: string | undefined,
  deps: DocumentApplyDeps,
): Promise<Buffer> {
  if (fed) {
    const bytes = Buffer.from(fed.data ?? '', 'base64');
    if (bytes.length > deps.maxBytes)
      throw new ContentRefused(
        'too-large',
        `the content is larger than DOCUMENT_MAX_BYTES (${deps.maxBytes} bytes)`,
      );
    return bytes;
  }
  const { headers, timeoutMs } = await deps.hub.rawRequest();
  const url = `${deps.hub.baseUrl.replace(/\/+$/, '')}/Binary/${hubId}`;
  const fetched = await deps.retry(() =>
    fetchContent({ url, headers, contentType, maxBytes: deps.maxBytes, timeoutMs, signal: deps.signal }),
  );
  return fetched.bytes;
}

/** The hub Binary an attachment URL names: `Binary/{id}`, or the same under the hub's base. */
function hubBinaryIdOf(url: string | undefined, hubBase: string): string | undefined {
  const target = url === undefined ? undefined : localTarget(url, hubBase);
  return target?.type === 'Binary' && target.version === undefined ? target.id : undefined;
}

/** The local id of a hub Binary's copy: the same every apply, so a repeated apply updates it. */
export function localBinaryId(hubBase: string, hubId: string): string {
  return createHash('sha256').update(`${hubBase}\n${hubId}`).digest('hex');
}
