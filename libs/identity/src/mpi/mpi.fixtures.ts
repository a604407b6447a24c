import type { Identifier, Patient } from 'fhir/r4';
import { INS_SYSTEM, NHS_NUMBER_SYSTEM } from './matching';
import { qualifiedInsExtension, verifiedNhsNumberExtension } from './qualification';

/** Made-up identities for the patient index's specs: each call a new one. */

let serial = 0;
/** A number no other call returns (for MRNs and names). */
export const next = (): number => ++serial;
/** A fresh valid INS (NIR + key) for each call. */
export function newIns(): Identifier {
  const base = `18002${String(29_000_000 + ++serial).slice(-8)}`;
  return { system: INS_SYSTEM, value: `${base}${String(97 - (Number(base) % 97)).padStart(2, '0')}` };
}
/** A fresh valid NHS number for each call, traced and verified unless told otherwise. */
export function newNhs(verified = true): Identifier {
  for (;;) {
    const base = String(400_000_000 + ++serial);
    const sum = [...base].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check !== 10)
      return {
        system: NHS_NUMBER_SYSTEM,
        value: `${base}${check === 11 ? 0 : check}`,
        ...(verified ? { extension: [verifiedNhsNumberExtension()] } : {}),
      };
  }
}
/** Demographics of a made-up human, unique per call unless `family` is given. */
export function human(family = `Martin-${++serial}`, given = 'Éloïse'): Patient {
  return {
    resourceType: 'Patient',
    name: [{ use: 'official', family, given: [given] }],
    birthDate: '1980-02-29',
    gender: 'female',
    address: [{ use: 'home', postalCode: '29200' }],
  };
}
/** The same human on a qualified INS identity: what lets an INS link records by itself. */
export function qualified(patient: Patient): Patient {
  return { ...patient, extension: [...(patient.extension ?? []), qualifiedInsExtension()] };
}
