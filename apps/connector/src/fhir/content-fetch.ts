import { createHash } from 'node:crypto';
import type { Binary } from 'fhir/r4';

/** Why a document's content was not pushed: its document is refused with it, and reported. */
export type ContentRefusal = 'too-large' | 'hash-mismatch' | 'unreadable';

export class ContentRefused extends Error {
  constructor(
    readonly reason: ContentRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ContentRefused';
  }
}

export interface FetchedContent {
  bytes: Buffer;
  /** The type the server gave the content (a Binary's contentType, or the response's). */
  contentType?: string;
}

export interface ContentRequest {
  url: string;
  headers: Record<string, string>;
  /** The attachment's contentType: asked for first, FHIR JSON (a Binary) accepted too. */
  contentType?: string;
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

const JSON_TYPE = /^application\/(fhir\+)?json\b/i;

/**
 * The content at `url` on the agency's server, streamed: read chunk by chunk and given up as
 * soon as it passes `maxBytes` (or announces more), so that no more than the limit is ever held.
 * A server may answer the raw bytes (Accept of the content's own type) or a FHIR Binary, whose
 * base64 is allowed its 4/3. A 5xx or a network failure throws as the retry policy expects; any
 * other refusal of the server is `unreadable`.
 */
export async function fetchContent(request: ContentRequest): Promise<FetchedContent> {
  const own = request.contentType?.split(';')[0].trim();
  const accept =
    own && !JSON_TYPE.test(own) ? `${own}, application/fhir+json;q=0.5` : 'application/fhir+json';
  const signals = [AbortSignal.timeout(request.timeoutMs), ...(request.signal ? [request.signal] : [])];
  const res = await fetch(request.url, {
    headers: { ...request.headers, accept },
    signal: AbortSignal.any(signals),
  });
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    await res.body?.cancel();
    throw Object.assign(new Error(`content server answered ${res.status}`), {
      response: { status: res.status },
      config: { url: request.url },
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ContentRefused('unreadable', `the agency server answered ${res.status} for the content`);
  }
  const type = res.headers.get('content-type') ?? undefined;
  const asBinary =
    type !== undefined && JSON_TYPE.test(type) && !(own && JSON_TYPE.test(own) && !/fhir/i.test(type));
  const limit = asBinary ? Math.ceil(request.maxBytes / 3) * 4 + 64 * 1024 : request.maxBytes;
  const tooLarge = () =>
    new ContentRefused(
      'too-large',
      `the content is larger than DOCUMENT_MAX_BYTES (${request.maxBytes} bytes)`,
    );
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    // Leaving the loop early cancels the stream: the rest is never read.
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > limit) throw tooLarge();
      chunks.push(Buffer.from(chunk));
    }
  }
  const body = Buffer.concat(chunks, total);
  if (!asBinary) return { bytes: body, ...(type ? { contentType: type } : {}) };
  let binary: Binary;
  try {
    binary = JSON.parse(body.toString('utf8')) as Binary;
  } catch {
    throw new ContentRefused('unreadable', 'the agency server answered JSON that is not a Binary');
  }
  if (binary.resourceType !== 'Binary')
    throw new ContentRefused('unreadable', 'the agency server answered JSON that is not a Binary');
  const bytes = Buffer.from(binary.data ?? '', 'base64');
  if (bytes.length > request.maxBytes) throw tooLarge();
  return { bytes, ...(binary.contentType ? { contentType: binary.contentType } : {}) };
}

/**
 * FHIR R4 `Attachment.hash`: the base64 SHA-1 of the data. A content that does not match the
 * hash its document states is refused: pushing it would vouch for something else.
 */
export function checkHash(bytes: Buffer, hash: string | undefined): void {
  if (hash === undefined) return;
  const actual = createHash('sha1').update(bytes).digest('base64');
  if (actual !== hash.trim())
    throw new ContentRefused('hash-mismatch', "the content does not match its attachment's hash (SHA-1)");
}
