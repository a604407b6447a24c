import type { Socket } from 'node:net';
import { outcome } from '@passerelle/fhir';

/** Node's HTTP parser errors that have a status of their own; any other is a malformed request. */
const PARSER_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request line or headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive'],
};

/**
 * Answers what Node's HTTP parser refuses before any route runs (a URL over the header limit, a
 * malformed request line) with an OperationOutcome, like every other refusal, instead of
 * Fastify's own JSON; then closes the connection, whose stream cannot be trusted past the error.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, diagnostics] = PARSER_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'The request is not valid HTTP',
  ];
  const body = JSON.stringify(outcome('error', status === 408 ? 'timeout' : 'invalid', diagnostics));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
