import { createHash } from 'node:crypto';
import type { HumanName } from 'fhir/r4';
import { addressInputFrom, type ValidAddress, validateAddress } from '@passerelle/letters';
import { byNewest, type PersonRecord } from './contact-markers';
import type { Held } from './mailroom.types';

/**
 * Where a letter goes: the current postal address of the person's most recently updated record
 * that has one (an older record's address is likelier to be stale, so an invalid newest address
 * holds the letter rather than falling back to an older one). The fingerprint identifies the
 * address lines (not the name) so that returned mail can flag them.
 */
export interface PostalAddress {
  address: ValidAddress;
  /** How the letter greets the patient. */
  patientName: string;
  /** The record the address came from. */
  patientId: string;
  fingerprint: string;
}

/** The name to write to: the one in use, else the official one, else the first. */
export function nameOf(names: readonly HumanName[] | undefined): HumanName | undefined {
  const current = (names ?? []).filter((n) => n.use !== 'old');
  return current.find((n) => n.use === 'usual') ?? current.find((n) => n.use === 'official') ?? current[0];
}

/** SHA-256 of the address lines after the recipient's, in capitals: same lines, same flag. */
export function addressFingerprint(lines: readonly string[]): string {
  const body = lines.slice(1).map((l) => l.replace(/\s+/g, ' ').trim().toUpperCase());
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function postalAddress(records: readonly PersonRecord[], now = new Date()): PostalAddress | Held {
  for (const record of byNewest(records)) {
    const name = nameOf(record.patient.name);
    const input = addressInputFrom(name, record.patient.address, now);
    if (!input) continue;
    const check = validateAddress(input);
    if (!check.ok) return { reason: check.reason, message: check.message };
    return {
      address: check.address,
      patientName: check.lines[0],
      patientId: record.patient.id ?? '',
      fingerprint: addressFingerprint(check.lines),
    };
  }
  const none = validateAddress(undefined);
  return none.ok
    ? { reason: 'no-address', message: 'No postal address is recorded for this patient.' }
    : none;
}

export function isHeld(value: object): value is Held {
  return 'reason' in value;
}
