import { createHmac, timingSafeEqual } from 'node:crypto';
import { notFound } from '@passerelle/fhir';

/**
 * Binds paging tokens to the agency they were issued to: another agency replaying a `next` link
 * gets 404, as if the page did not exist.
 */
export class PageBinding {
  constructor(private readonly key: Buffer) {}

  bind(agency: string, token: string | undefined): string | undefined {
    return token === undefined ? undefined : `${token}.${this.mac(agency, token)}`;
  }

  unbind(agency: string, bound: string | undefined): string | undefined {
    if (bound === undefined) return undefined;
    const at = bound.lastIndexOf('.');
    const token = bound.slice(0, at);
    const given = Buffer.from(bound.slice(at + 1));
    const expected = Buffer.from(this.mac(agency, token));
    if (at <= 0 || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw notFound('Page not found');
    return token;
  }

  private mac(agency: string, token: string): string {
    return createHmac('sha256', this.key).update(`${agency}\n${token}`).digest('base64url').slice(0, 22);
  }
}
