import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { DEFAULT_LANG, ErrorPage, messagesFor, pickLanguage } from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Thrown once a page's answer is sent (a login redirect, a 403): nothing more to send. */
export class PageAnswered extends Error {
  constructor() {
    super('the page has answered');
    this.name = 'PageAnswered';
  }
}

/**
 * The pages' own error answer: an HTML page in the visitor's language. What failed is logged
 * with an error id the page shows, never the request's data.
 */
@Catch()
export class WebExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebPages');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof PageAnswered) return;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const errorId = randomUUID();
    const err = exception instanceof Error ? exception : new Error('non-error thrown');
    this.logger.error(`error ${errorId}: ${err.name}: ${err.message}`, err.stack);
    const lang = pickLanguage(undefined, request.headers['accept-language']) ?? DEFAULT_LANG;
    const html = ErrorPage({ page: { lang, t: messagesFor(lang), path: '/' }, kind: 'internal', errorId });
    void reply
      .status(500)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html.value);
  }
}
