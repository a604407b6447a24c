import type { FastifyReply } from 'fastify';

/** Replies that carry a document's own bytes and Content-Type, not FHIR JSON (see hub-app's onSend). */
const raw = new WeakSet<object>();

export function markRawContent(reply: FastifyReply): void {
  raw.add(reply.raw);
}

export function isRawContent(reply: FastifyReply): boolean {
  return raw.has(reply.raw);
}
