/**
 * The id of the Binary an attachment URL names on its server: `Binary/{id}` relative to the
 * server's base, or an absolute URL ending so. Undefined for any other URL (a web page, a PACS).
 */
export function binaryIdOfUrl(url: string | undefined): string | undefined {
  return url?.match(/(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})$/)?.[1];
}
