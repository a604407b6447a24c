import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { OperationOutcome } from 'fhir/r4';
import { type IssueCode, internalError, isOperationOutcomeError, outcome } from '@passerelle/fhir';
import type { FastifyReply } from 'fastify';

/** Fastify's own errors, by code, with messages of ours (theirs may quote the request). */
const FASTIFY_ERRORS: Record<string, { code: IssueCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'too-long',
    message: 'Request body is larger than the configured limit',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'not-supported',
    message: 'Unsupported Content-Type: send application/fhir+json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid', message: 'Request body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid', message: 'Content-Length does not match the body' },
};

const STATUS_CODES: Record<number, IssueCode> = {
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  429: 'throttled',
};

/**
 * The one error mapper: every failure leaves as an OperationOutcome with its status. A 500 says
 * nothing but an error id, which is logged with the cause, never with patient data.
 */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = this.toOutcome(exception);
    if (isOperationOutcomeError(exception)) {
      for (const [name, value] of Object.entries(exception.headers)) void reply.header(name, value);
    }
    void reply.status(status).header('content-type', 'application/fhir+json; charset=utf-8').send(body);
  }

  private toOutcome(exception: unknown): [number, OperationOutcome] {
    if (isOperationOutcomeError(exception)) return [exception.status, exception.outcome];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        const message = status === 404 ? 'Not found' : exception.message;
        return [status, outcome('error', STATUS_CODES[status] ?? 'invalid', message)];
      }
    }
    const fastify = exception as { code?: unknown; statusCode?: unknown };
    if (
      typeof fastify.code === 'string' &&
      typeof fastify.statusCode === 'number' &&
      fastify.statusCode < 500
    ) {
      const known = FASTIFY_ERRORS[fastify.code];
      return [
        fastify.statusCode,
        outcome('error', known?.code ?? 'invalid', known?.message ?? 'Bad request'),
      ];
    }
    const errorId = randomUUID();
    const err = exception instanceof Error ? exception : new Error('non-error thrown');
    // Name, message and stack only: driver errors keep row values in `detail`, which is not logged.
    this.logger.error(`error ${errorId}: ${err.name}: ${err.message}`, err.stack);
    return [500, internalError(errorId)];
  }
}
