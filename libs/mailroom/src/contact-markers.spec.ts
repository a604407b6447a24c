import type { Patient } from 'fhir/r4';
import {
  chooseChannel,
  CONTACT_PREFERENCE_EXTENSION,
  contactFacts,
  LARGE_PRINT_EXTENSION,
  ONLINE_ACCOUNT_EXTENSION,
  type PersonRecord,
} from './contact-markers';

const record = (patient: Partial<Patient>, lastUpdated = '2025-01-01T00:00:00Z'): PersonRecord => ({
  patient: { resourceType: 'Patient', id: 'p', ...patient },
  lastUpdated: new Date(lastUpdated),
  sourceAgency: 'chu',
});
const online = { url: ONLINE_ACCOUNT_EXTENSION, valueBoolean: true };
const paper = { url: CONTACT_PREFERENCE_EXTENSION, valueCode: 'paper' };
const lang = (code: string, preferred = true) => ({ language: { coding: [{ code }] }, preferred });

describe('contact markers', () => {
  it('sends a letter, in French, standard print, when no record says otherwise', () => {
    const facts = contactFacts([record({})]);
    expect(facts).toEqual({
      onlineAccount: false,
      prefersPaper: false,
      largePrint: false,
      sensitiveByPost: false,
      language: 'fr',
      deceased: false,
    });
    expect(chooseChannel('break-glass', facts)).toBe('post');
  });

  it('tells a patient with an online account digitally, unless any record asks for paper', () => {
    expect(chooseChannel('break-glass', contactFacts([record({ extension: [online] })]))).toBe('digital');
    const both = contactFacts([record({ extension: [online] }), record({ extension: [paper] })]);
    expect(chooseChannel('consent-change', both)).toBe('post');
    // A summary asked for by post is always a letter.
    expect(chooseChannel('patient-summary', contactFacts([record({ extension: [online] })]))).toBe('post');
  });

  it('reads a digital preference without an account as a letter: there is nowhere online to reach them', () => {
    const facts = contactFacts([
      record({ extension: [{ url: CONTACT_PREFERENCE_EXTENSION, valueCode: 'digital' }] }),
    ]);
    expect(chooseChannel('access-report', facts)).toBe('post');
  });

  it('takes the preferred language of the newest record that has one, French or English only', () => {
    const older = record({ communication: [lang('en-GB')] }, '2024-01-01T00:00:00Z');
    const newer = record({ communication: [lang('fr-FR')] }, '2025-06-01T00:00:00Z');
    expect(contactFacts([older, newer]).language).toBe('fr');
    expect(contactFacts([older]).language).toBe('en');
    expect(contactFacts([record({ communication: [lang('en', false)] })]).language).toBe('fr');
    expect(contactFacts([record({ communication: [lang('ar')] })]).language).toBe('fr');
  });

  it('sees large print and death on any record', () => {
    const facts = contactFacts([
      record({ extension: [{ url: LARGE_PRINT_EXTENSION, valueBoolean: true }] }),
      record({ deceasedDateTime: '2025-02-01' }),
    ]);
    expect(facts.largePrint).toBe(true);
    expect(facts.deceased).toBe(true);
  });

  it('lets sensitive data into letters only when a record asks for it by post (a second contact-preference)', () => {
    const sensitive = { url: CONTACT_PREFERENCE_EXTENSION, valueCode: 'sensitive-by-post' };
    expect(contactFacts([record({ extension: [paper] })]).sensitiveByPost).toBe(false);
    const asked = contactFacts([record({}), record({ extension: [online, sensitive] })]);
    expect(asked).toMatchObject({ sensitiveByPost: true, prefersPaper: false });
    expect(chooseChannel('medicines', asked)).toBe('digital');
  });
});
