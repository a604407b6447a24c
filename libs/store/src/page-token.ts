import { badRequest } from '@passerelle/fhir';

/**
 * Keyset position of the last row of a page. Opaque to clients (base64url JSON); a tampered or
 * foreign token is a 400, never a different result.
 */
export interface PagePosition {
  /** last_updated in epoch ms */
  t: number;
  /** resource type */
  r: string;
  /** id */
  i: string;
  /** version, for history pages */
  v?: number;
  /** sort keys of the row, for searches sorted by parameters (`_sort=family`; see sorted-sql.ts) */
  k?: (string | null)[];
}

export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodePageToken(token: string): PagePosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as PagePosition).t === 'number' &&
      typeof (value as PagePosition).r === 'string' &&
      typeof (value as PagePosition).i === 'string' &&
      ((value as PagePosition).k === undefined || Array.isArray((value as PagePosition).k))
    ) {
      return value as PagePosition;
    }
  } catch {
    // fall through
  }
  throw badRequest('Invalid _page token');
}
