import type { BundleEntry, Resource } from 'fhir/r4';
import {
  type QueryParams,
  type SupportedType,
  badRequest,
  isSupportedType,
  notStoredReason,
  isValidId,
  notSupported,
} from '@passerelle/fhir';

/** One Bundle entry's request, parsed: what to do, to which type, by id or by criteria. */
export interface EntryRequest {
  index: number;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  type: SupportedType;
  id?: string;
  /** Query of the URL: conditional criteria (PUT, DELETE) or search parameters (GET). */
  criteria?: QueryParams;
  ifNoneExist?: QueryParams;
  ifMatch?: string;
  fullUrl?: string;
  resource?: Resource;
}

export function parseQueryString(query: string): QueryParams {
  const params: QueryParams = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else params[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

/** Parses `entry.request`; URLs are relative (`Patient/1`, `Patient?identifier=...`) or on one of our bases. */
export function parseEntryRequest(
  entry: BundleEntry,
  index: number,
  localBases: readonly string[],
): EntryRequest {
  const where = `Bundle.entry[${index}]`;
  const request = entry.request;
  if (!request || typeof request.url !== 'string' || typeof request.method !== 'string') {
    throw badRequest('Each entry needs request.method and request.url', [`${where}.request`]);
  }
  if (request.method === 'PATCH' || request.method === 'HEAD') {
    throw notSupported(`${request.method} is not supported in a Bundle`);
  }
  const method = METHODS.find((m) => m === request.method);
  if (!method) throw badRequest('Unknown request.method', [`${where}.request.method`]);
  let url = request.url;
  for (const base of localBases) {
    if (url.startsWith(`${base}/`)) url = url.slice(base.length + 1);
  }
  const queryAt = url.indexOf('?');
  const path = queryAt >= 0 ? url.slice(0, queryAt) : url;
  const query = queryAt >= 0 ? url.slice(queryAt + 1) : undefined;
  const segments = path.split('/').filter((s) => s !== '');
  const [type, id, ...rest] = segments;
  if (!type || !isSupportedType(type)) {
    const why = type ? notStoredReason(type) : undefined;
    throw badRequest(
      why ? `The hub does not store ${type}: ${why}` : 'Unknown or unsupported resource type in request.url',
      [`${where}.request.url`],
    );
  }
  if (rest.length > 0 || (id !== undefined && !isValidId(id))) {
    throw badRequest('request.url must be Type, Type/id or Type?criteria', [`${where}.request.url`]);
  }
  const parsed: EntryRequest = { index, method, type, id, fullUrl: entry.fullUrl, resource: entry.resource };
  if (query !== undefined) parsed.criteria = parseQueryString(query);
  if (request.ifNoneExist)
    parsed.ifNoneExist = parseQueryString(request.ifNoneExist.replace(/^[A-Za-z]+\?/, ''));
  if (request.ifMatch) parsed.ifMatch = request.ifMatch;
  if ((method === 'POST' || method === 'PUT') && !entry.resource) {
    throw badRequest(`${method} needs a resource`, [`${where}.resource`]);
  }
  if (method === 'POST' && id !== undefined)
    throw badRequest('POST takes Type, not Type/id', [`${where}.request.url`]);
  if ((method === 'PUT' || method === 'DELETE') && id === undefined && parsed.criteria === undefined) {
    throw badRequest(`${method} needs Type/id or Type?criteria`, [`${where}.request.url`]);
  }
  return parsed;
}
