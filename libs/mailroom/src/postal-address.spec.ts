import type { Patient } from 'fhir/r4';
import type { PersonRecord } from './contact-markers';
import { addressFingerprint, postalAddress } from './postal-address';

const record = (id: string, patient: Partial<Patient>, lastUpdated: string): PersonRecord => ({
  patient: { resourceType: 'Patient', id, name: [{ given: ['Élodie'], family: 'Lefèvre' }], ...patient },
  lastUpdated: new Date(lastUpdated),
  sourceAgency: 'chu',
});
const home = { line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' };

describe('postalAddress', () => {
  it('takes the newest record that has an address, and names the record it came from', () => {
    const found = postalAddress([
      record('old', { address: [{ line: ['1 rue X'], postalCode: '75011', city: 'Paris' }] }, '2020-01-01'),
      record('new', { address: [home] }, '2025-01-01'),
      record('none', {}, '2026-01-01'),
    ]);
    expect(found).toMatchObject({ patientId: 'new', patientName: 'Élodie Lefèvre' });
  });

  it('holds with the validation reason rather than fall back to an older address', () => {
    const found = postalAddress([
      record('old', { address: [home] }, '2020-01-01'),
      record('new', { address: [{ line: ['SDF'], postalCode: '59800', city: 'Lille' }] }, '2025-01-01'),
    ]);
    expect(found).toMatchObject({ reason: 'no-fixed-abode' });
  });

  it('says no-address when no record has one', () => {
    expect(postalAddress([record('p', {}, '2025-01-01')])).toMatchObject({ reason: 'no-address' });
    expect(postalAddress([])).toMatchObject({ reason: 'no-address' });
  });

  it('fingerprints the address lines, not the name: a new name keeps the flag, a new address drops it', () => {
    const a = addressFingerprint(['Mme A', '8 RUE SAINT ELOI', '59800 LILLE']);
    expect(addressFingerprint(['M. B', '8  rue saint eloi', '59800 LILLE'])).toBe(a);
    expect(addressFingerprint(['Mme A', '9 RUE SAINT ELOI', '59800 LILLE'])).not.toBe(a);
  });
});
