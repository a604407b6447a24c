import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { localTarget } from '@passerelle/fhir';
import type { Binary, DocumentReference, Resource } from 'fhir/r4';
import { checkHash, ContentRefused, fetchContent } from '../fhir/content-fetch';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';

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
 * items. A document whose content fails its hash or the size limit is not applied (reported).
 */
export async function placeDocumentContent(
  items: readonly Resource[],
  deps: DocumentApplyDeps,
  counts: ContentCounts,
): Promise<Resource[]> {
  const hubBase = deps.hub.baseUrl.replace(/\/+$/, '');
  const fed = new Map<string, Binary>();
  for (const item of items) if (item.resourceType === 'Binary' && item.id) fed.set(item.id, item as Binary);
  const out: Resource[] = [];
  for (const item of items) {
    if (item.resourceType === 'Binary') continue;
    if (item.resourceType !== 'DocumentReference') {
      out.push(item);
      continue;
    }
    const document = structuredClone(item as DocumentReference);
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
        await deps.retry(() => deps.agency.update(local));
        counts.contentWritten++;
        content.attachment = { ...content.attachment, url: `Binary/${local.id}` };
      }
      out.push(document);
    } catch (e) {
      if (!(e instanceof ContentRefused)) throw e;
      counts.rejected++;
      deps.logger.warn(`DocumentReference/${item.id ?? '?'} not applied: ${e.message}`, 'FeedApplier');
    }
  }
  return out;
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
