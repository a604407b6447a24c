import type { ArgumentsHost } from '@nestjs/common';
import { Logger, NotFoundException } from '@nestjs/common';
import type { OperationOutcome } from 'fhir/r4';
import { badRequest } from '@passerelle/fhir';
import { FhirExceptionFilter } from './fhir-exception.filter';

/** Captures what the filter sends; the reply is Fastify's, reduced to the three calls it makes. */
function capture(exception: unknown): { status: number; body: OperationOutcome; contentType: string } {
  const sent = { status: 0, body: undefined as unknown as OperationOutcome, contentType: '' };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(_name: string, value: string) {
      sent.contentType = value;
      return reply;
    },
    send(body: OperationOutcome) {
      sent.body = body;
      return reply;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  new FhirExceptionFilter().catch(exception, host);
  return sent;
}

describe('FhirExceptionFilter', () => {
  it('answers an OperationOutcomeError with its own status and outcome', () => {
    const sent = capture(badRequest('Bad thing', ['Patient.birthDate']));
    expect(sent.status).toBe(400);
    expect(sent.body.issue[0].expression).toEqual(['Patient.birthDate']);
    expect(sent.contentType).toContain('application/fhir+json');
  });

  it('maps Nest and Fastify client errors to OperationOutcomes with our own wording', () => {
    expect(capture(new NotFoundException('Cannot GET /fhir/x/y/z')).body.issue[0]).toMatchObject({
      code: 'not-found',
      diagnostics: 'Not found',
    });
    const tooLarge = capture({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'quoted body' });
    expect(tooLarge.status).toBe(413);
    expect(JSON.stringify(tooLarge.body)).not.toContain('quoted body');
  });

  it('answers a 500 with only an error id, and logs the cause under the same id', () => {
    const logged: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
    try {
      const sent = capture(new Error('connection to 10.0.0.5 refused for patient Dupont'));
      expect(sent.status).toBe(500);
      const text = JSON.stringify(sent.body);
      expect(text).not.toContain('Dupont');
      expect(text).not.toContain('10.0.0.5');
      const id = /Reference: ([0-9a-f-]{36})/.exec(sent.body.issue[0].diagnostics ?? '')?.[1];
      expect(id).toBeDefined();
      expect(logged.some((line) => line.includes(id!))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
