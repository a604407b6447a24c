import { createHash } from 'node:crypto';
import type { Binary, Bundle, BundleEntry, DocumentReference, FhirResource } from 'fhir/r4';

/** LOINC Discharge summary: the documents an agency server keeps as Binaries (see below). */
const DISCHARGE_SUMMARY = '18842-5';

/**
 * A record's Bundle as a server that keeps documents' content apart holds it: each discharge
 * summary's inline content becomes a Binary of its own (written first, at an id derived from the
 * content, so the same seed gives the same ids), and its attachment names it by `url` — the way
 * most EHRs hold documents. Other documents keep their content inline, so both travel.
 */
export function withDocumentBinaries(bundle: Bundle<FhirResource>): Bundle<FhirResource> {
  const binaries: BundleEntry<FhirResource>[] = [];
  const entry = (bundle.entry ?? []).map((e) => {
    const resource = e.resource;
    if (resource?.resourceType !== 'DocumentReference' || !isDischargeSummary(resource)) return e;
    const document = structuredClone(resource);
    for (const content of document.content) {
      const { data, ...attachment } = content.attachment;
      if (data === undefined) continue;
      const id = `doc-${createHash('sha256').update(data).digest('hex').slice(0, 40)}`;
      const binary: Binary = {
        resourceType: 'Binary',
        id,
        contentType: attachment.contentType ?? 'application/octet-stream',
        data,
      };
      binaries.push({ resource: binary, request: { method: 'PUT', url: `Binary/${id}` } });
      content.attachment = { ...attachment, url: `Binary/${id}` };
    }
    return { ...e, resource: document };
  });
  return { ...bundle, entry: [...binaries, ...entry] };
}

function isDischargeSummary(document: DocumentReference): boolean {
  return document.type?.coding?.some((c) => c.code === DISCHARGE_SUMMARY) === true;
}
