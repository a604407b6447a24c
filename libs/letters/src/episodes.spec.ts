import type { BreakGlassAccess, BreakGlassLetter, ConsentChangeLetter } from './letter-types';
import { mergeAccesses } from './kinds/episodes';
import { renderLetter } from './render-letter';
import * as f from './testing/fixtures';
import { readPdf } from './testing/read-pdf';

/** One letter for an emergency episode, and for consent changes made together. */

const at = (minute: number) => new Date(Date.UTC(2025, 2, 12, 13, minute));
const access = (minute: number, extra: Partial<BreakGlassAccess> = {}): BreakGlassAccess => ({
  at: at(minute),
  agency: 'Centre hospitalier de Roubaix',
  practitioner: 'Dr Karim Benali',
  reason: 'Patient unconscious in A&E',
  seen: [{ dataClass: 'AllergyIntolerance' }],
  ...extra,
});

describe('mergeAccesses', () => {
  it('reads back-to-back requests by one person for one reason as one access, with every kind seen', () => {
    const merged = mergeAccesses([
      access(2),
      access(5, { seen: [{ dataClass: 'MedicationStatement' }] }),
      access(9),
      access(20, { practitioner: 'Dr Inès Morel' }),
      access(31),
    ]);
    expect(merged).toEqual([
      {
        ...access(2),
        until: at(9),
        requests: 3,
        seen: [{ dataClass: 'AllergyIntolerance' }, { dataClass: 'MedicationStatement' }],
      },
      access(20, { practitioner: 'Dr Inès Morel' }),
      access(31),
    ]);
  });
});

describe('grouped letters', () => {
  it('lists every access of an emergency episode in one letter, in English', async () => {
    const accesses = mergeAccesses([access(2), access(9), access(20, { practitioner: 'Dr Inès Morel' })]);
    const letter: BreakGlassLetter = {
      ...f.breakGlassLetter({ language: 'en' }),
      access: accesses[0],
      accesses,
    };
    const { pdf } = await renderLetter(letter);
    const text = (await readPdf(pdf)).text;
    expect(text).toContain('in an emergency, 3 times');
    expect(text).toContain('Access 1: 12 March 2025, from 14:02 to 14:09, 2 look-ups');
    expect(text).toContain('Access 2: 12 March 2025 at 14:20');
    expect(text).toContain('Dr Inès Morel (Centre hospitalier de Roubaix)');
    expect(text).toContain('Patient unconscious in A&E');
    expect(text).not.toContain('Access 3');
  });

  it('lists consent changes made together, each with its rules', async () => {
    const base = f.consentChangeLetter();
    const changes = [
      base.change,
      { ...base.change, action: 'withdrawn' as const, at: new Date('2025-03-10T15:20:00Z'), rules: [] },
    ];
    const letter: ConsentChangeLetter = { ...base, changes };
    const text = (await readPdf((await renderLetter(letter)).pdf)).text;
    expect(text).toContain('modifiés 2 fois');
    expect(text).toContain('Modification 1');
    expect(text).toContain('Modification 2');
    expect(text).toContain('Clinique des Lilas');
    expect(text).toContain('a retiré vos choix de partage');
  });
});
