import { type Db, documentsOfBinaries } from '@passerelle/store';
import { factsOf } from './facts';
import type { ContentOf, Decision, DisclosureContext, ResourceFacts } from './types';

/**
 * A Binary's patient the hub cannot tell, so it is sender-only (SENDER_ONLY_TYPES) — unless it is
 * the content of a DocumentReference of the same sender that cites it (`Binary.securityContext`
 * names the document, one of whose `content.attachment.url` names the Binary). Such a Binary is
 * decided exactly as that document is now: its patient, its labels, its period, its class; never
 * more. Another agency's Binary that needs it is what this looks up (one statement per call).
 */
export async function asDocumentContent(
  db: Db,
  ctx: Pick<DisclosureContext, 'agency'>,
  facts: readonly ResourceFacts[],
): Promise<{ facts: ResourceFacts[]; contentOf: (ContentOf | undefined)[] }> {
  const candidates = facts.filter((f) => mayBeDocumentContent(ctx, f)).map((f) => f.id);
  if (candidates.length === 0) return { facts: [...facts], contentOf: facts.map(() => undefined) };
  const documents = await documentsOfBinaries(db, candidates);
  const contentOf: (ContentOf | undefined)[] = [];
  const decided = facts.map((f) => {
    const document = mayBeDocumentContent(ctx, f) ? documents.get(f.id) : undefined;
    if (!document) {
      contentOf.push(undefined);
      return f;
    }
    const asDocument = factsOf(document);
    contentOf.push({
      documentId: document.id,
      patientIds: [
        ...(asDocument.patientId === null ? [] : [asDocument.patientId]),
        ...(asDocument.otherPatientIds ?? []),
      ],
    });
    return asDocument;
  });
  return { facts: decided, contentOf };
}

/** Another agency's Binary: sender-only unless it is a shared document's content. */
export function mayBeDocumentContent(ctx: Pick<DisclosureContext, 'agency'>, f: ResourceFacts): boolean {
  return f.type === 'Binary' && f.patientId === null && f.sourceAgency !== ctx.agency;
}

/** The decision on a document, as the decision on its content. */
export function withContentOf(decision: Decision, contentOf: ContentOf | undefined): Decision {
  return contentOf ? { ...decision, contentOf } : decision;
}
