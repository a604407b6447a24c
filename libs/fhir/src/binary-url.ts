import { parseReference } from './references';

/**
 * The id of the Binary an attachment URL names on its server: `Binary/{id}` relative to the
 * server's base, or an absolute URL ending so. Undefined for any other URL (a web page, a PACS).
 */
export function binaryIdOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const parsed = parseReference(url);
  return parsed.kind === 'literal' && parsed.type === 'Binary' && parsed.version === undefined
    ? parsed.id
    : undefined;
}
