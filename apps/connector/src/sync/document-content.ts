import { createHash } from 'node:crypto';
import type { Binary, BundleEntry, DocumentReference, Resource } from 'fhir/r4';
import { relativeTarget } from '@passerelle/fhir';
import { checkHash, ContentRefused, fetchContent } from '../fhir/content-fetch';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';

export interface DocumentContentDeps {
  agency: FhirEndpoint;
  /** DOCUMENT_MAX_BYTES: the largest content pushed, per attachment. */
  maxBytes: number;
  retry<T>(fn: () => Promise<T>): Promise<T>;
  signal?: AbortSignal;
}

/**
 * A DocumentReference's content kept at the agency's server — `attachment.url` naming a Binary
 * there (`Binary/{id}`) or any URL on that server — travels with the document: fetched (streamed,
 * at most DOCUMENT_MAX_BYTES), checked against `attachment.hash`, and pushed in the document's
 * own transaction as a hub Binary whose `securityContext` names the document (which is what lets
 * the hub disclose it as the document is, and only so); the document's `url` then names that
 * Binary. Inline `attachment.data` travels as it is; a URL elsewhere (a PACS, a web page) is left.
 */
export class DocumentContent {
  private readonly origin: string;

  constructor(private readonly deps: DocumentContentDeps) {
    this.origin = new URL(deps.agency.baseUrl).origin;
  }

  /** Whether this resource has content to fetch from the agency's server. */
  wanted(resource: Resource): resource is DocumentReference {
    return (
      resource.resourceType === 'DocumentReference' &&
      (resource as DocumentReference).content.some((c) => this.agencyUrl(c.attachment) !== undefined)
    );
  }

  /**
   * The document's entry with its content's entries, one attachment's bytes held at a time until
   * the whole is sent, and how many bytes of content they carry. Throws ContentRefused (too large,
   * hash mismatch, unreadable): the caller refuses the document rather than push it without its
   * content. `budget`: the most content this document may add to what the caller already holds
   * (each attachment is still allowed DOCUMENT_MAX_BYTES on its own); past it, OverBudget, and
   * the caller sends what it holds first and asks again without a budget.
   */
  async entries(entry: BundleEntry, budget = Infinity): Promise<{ entries: BundleEntry[]; bytes: number }> {
    const document = structuredClone(entry.resource as DocumentReference);
    const binaries: BundleEntry[] = [];
    let bytes = 0;
    for (const content of document.content) {
      const url = this.agencyUrl(content.attachment);
      if (url === undefined) continue;
      const limit = Math.min(this.deps.maxBytes, budget - bytes);
      if (limit < 1) throw new OverBudget();
      const { headers, timeoutMs } = await this.deps.agency.rawRequest();
      const fetched = await this.deps
        .retry(() =>
          fetchContent({
            url,
            headers,
            contentType: content.attachment.contentType,
            maxBytes: limit,
            timeoutMs,
            signal: this.deps.signal,
          }),
        )
        .catch((e: unknown) => {
          throw e instanceof ContentRefused && e.reason === 'too-large' && limit < this.deps.maxBytes
            ? new OverBudget()
            : e;
        });
      checkHash(fetched.bytes, content.attachment.hash);
      bytes += fetched.bytes.length;
      const id = hubBinaryId(this.deps.agency.baseUrl, url);
      const binary: Binary = {
        resourceType: 'Binary',
        id,
        contentType: content.attachment.contentType ?? fetched.contentType ?? 'application/octet-stream',
        // The document's entry in the same transaction: the hub rewrites it to the document's id.
        securityContext: { reference: entry.fullUrl },
        data: fetched.bytes.toString('base64'),
      };
      binaries.push({ resource: binary, request: { method: 'PUT', url: `Binary/${id}` } });
      content.attachment = {
        ...content.attachment,
        url: `Binary/${id}`,
        ...(content.attachment.size === undefined ? { size: fetched.bytes.length } : {}),
      };
    }
    return { entries: [{ ...entry, resource: document }, ...binaries], bytes };
  }

  /** The absolute URL of an attachment's content on the agency's server, if it is there. */
  private agencyUrl(attachment: DocumentReference['content'][number]['attachment']): string | undefined {
    const url = attachment.url;
    if (url === undefined || attachment.data !== undefined) return undefined;
    if (relativeTarget(url)?.type === 'Binary')
      return `${this.deps.agency.baseUrl.replace(/\/+$/, '')}/${url}`;
    try {
      return new URL(url).origin === this.origin ? url : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * The hub id of the Binary made from content at `url` on the agency's server: the same every
 * push (a retried or repeated push updates it, never makes another), and no other agency's.
 */
export function hubBinaryId(agencyBase: string, url: string): string {
  return createHash('sha256').update(`${agencyBase}\n${url}`).digest('hex');
}

/** A document's content would take a group of documents past its budget: send the group first. */
export class OverBudget extends Error {
  constructor() {
    super("the document's content does not fit beside the documents held");
    this.name = 'OverBudget';
  }
}
