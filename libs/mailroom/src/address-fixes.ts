import type { Db } from '@passerelle/store';
import { type AddressCheck, type AddressInput, validateAddress } from '@passerelle/letters';
import type { PersonRecord } from './contact-markers';
import type { Held } from './mailroom.types';
import { type AddressPlace, addressFingerprint, type PostalAddress } from './postal-address';

/** An address an operator typed for a patient whose letter was held. */
export interface AddressFix {
  patientId: string;
  input: AddressInput;
  fixedBy: string;
  fixedAt: Date;
}

interface FixRow {
  patient_id: string;
  address: AddressInput;
  fixed_by: string;
  fixed_at: Date | string;
}

/** Only the fields an AddressInput has, as strings: what is stored is what validateAddress read. */
export function addressInput(value: Partial<Record<keyof AddressInput, unknown>>): AddressInput {
  const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : '');
  const lines = Array.isArray(value.lines) ? value.lines.slice(0, 6).map(text) : [];
  return {
    recipient: text(value.recipient),
    lines,
    postalCode: text(value.postalCode),
    city: text(value.city),
    country: text(value.country),
  };
}

/** Records (or replaces) the operator's address for this patient record. */
export async function saveFix(db: Db, patientId: string, input: AddressInput, by: string): Promise<void> {
  await db.query(
    `INSERT INTO mailroom_address_fix (patient_id, address, fixed_by, fixed_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (patient_id) DO UPDATE SET address = EXCLUDED.address, fixed_by = EXCLUDED.fixed_by,
       fixed_at = EXCLUDED.fixed_at`,
    [patientId, JSON.stringify(addressInput(input)), by],
  );
}

/**
 * The newest fix for any of the person's records, while it is newer than every record: once an
 * agency changes a record of the person, its data is the truth again.
 */
export async function currentFix(db: Db, records: readonly PersonRecord[]): Promise<AddressFix | undefined> {
  const ids = records.map((r) => r.patient.id ?? '').filter(Boolean);
  if (ids.length === 0) return undefined;
  const rows: FixRow[] = await db.query(
    `SELECT * FROM mailroom_address_fix WHERE patient_id = ANY($1::text[]) ORDER BY fixed_at DESC LIMIT 1`,
    [ids],
  );
  const row = rows[0];
  if (!row) return undefined;
  const fixedAt = new Date(row.fixed_at);
  if (records.some((r) => r.lastUpdated.getTime() > fixedAt.getTime())) return undefined;
  return { patientId: row.patient_id, input: addressInput(row.address), fixedBy: row.fixed_by, fixedAt };
}

/** The fix as a letter's address, checked again as any address is. */
/**
 * An address an operator typed, checked as the mailroom checks every address, from `origin` (the
 * sender's country): a typed address names its country when it is abroad; without one, it is the
 * sender's.
 */
export function checkTypedAddress(input: AddressInput | undefined, origin = 'FR'): AddressCheck {
  return validateAddress(input && { ...input, origin, defaultCountry: origin });
}

export function fixedAddress(fix: AddressFix, place?: AddressPlace): PostalAddress | Held {
  const check = checkTypedAddress(fix.input, place?.origin);
  if (!check.ok) return { reason: check.reason, message: check.message };
  return {
    address: check.address,
    patientName: check.lines[0],
    patientId: fix.patientId,
    fingerprint: addressFingerprint(check.lines),
  };
}
