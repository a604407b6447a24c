import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import type { Binary } from 'fhir/r4';
import { etag } from '@passerelle/fhir';
import type { ConsentScopedRepository } from '@passerelle/consent';
import { parseStored } from '@passerelle/store';
import type { FastifyReply } from 'fastify';
import { Interaction } from '../auth/interaction.decorator';
import { Scope } from '../fhir/scope.decorator';
import { binaryFormat } from './binary-negotiate';
import { markRawContent } from './raw-content';

/**
 * GET /fhir/Binary/{id}: a document's content, IHE MHD's "retrieve document" — the URL a shared
 * DocumentReference's `content.attachment.url` names. Read through the caller's consent scope like
 * any read: a Binary that is a shared document's content is disclosed as that document is (the
 * same 404 otherwise), audited under the document's patient. With an Accept that prefers the
 * content's own type the bytes are answered as they are; FHIR JSON otherwise.
 */
@Controller('fhir')
export class BinaryController {
  // An id never starts with '_': /fhir/Binary/_history stays the history route's.
  @Get('Binary/:id([A-Za-z0-9\\-.]{1,64})')
  @Interaction({ permission: 'r', discloses: true, type: 'Binary' })
  async read(
    @Scope() scope: ConsentScopedRepository,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('accept') accept?: string,
  ): Promise<string | Buffer | null> {
    const stored = await scope.read('Binary', id);
    reply.header('etag', etag(stored.versionId));
    reply.header('last-modified', stored.lastUpdated.toUTCString());
    const binary = parseStored<Binary>(stored);
    if (binaryFormat(accept, binary.contentType) === 'fhir') return stored.json;
    markRawContent(reply);
    reply.header('content-type', binary.contentType);
    reply.header('x-content-type-options', 'nosniff');
    return Buffer.from(binary.data ?? '', 'base64');
  }
}
