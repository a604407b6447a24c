import { Controller, Post, Req, Res } from '@nestjs/common';
import { FORM_CONTENT_TYPE, isOAuthError, TokenService } from '@passerelle/identity';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A token request is a few kilobytes at most. */
const FORM_BODY_LIMIT = 64 * 1024;

/**
 * Parses `application/x-www-form-urlencoded` bodies (the token endpoint's, per RFC 6749) into a
 * plain object. A repeated parameter becomes an array, which the token service refuses (§3.2).
 * Object.fromEntries defines own properties, so a `__proto__` field sets no prototype.
 */
export function parseForm(body: string): Record<string, string | string[]> {
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body))
    fields.set(name, [...(fields.get(name) ?? []), value]);
  return Object.fromEntries(
    [...fields].map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
}

/** Called by createHubApp after it has removed Fastify's default content-type parsers. */
export function registerFormParser(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    FORM_CONTENT_TYPE,
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      done(null, parseForm(body as string));
    },
  );
}

/**
 * POST /auth/token: SMART Backend Services. Answers RFC 6749 JSON, not OperationOutcomes, so it
 * replies itself; anything but an OAuthError goes on to the global filter (a logged 500).
 */
@Controller('auth')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Post('token')
  async token(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Tokens and refusals alike must never be cached (RFC 6749 §5.1).
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      const answer = await this.tokens.exchange({
        contentType: request.headers['content-type'],
        body: request.body,
      });
      void reply.status(200).send(answer);
    } catch (e) {
      if (!isOAuthError(e)) throw e;
      void reply.status(e.status).send(e.body);
    }
  }
}
