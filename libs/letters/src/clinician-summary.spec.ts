import type { Bundle, Composition } from 'fhir/r4';
import { LOINC_SYSTEM } from '@passerelle/summary';
import { renderSummaryPdf } from './clinician-summary';
import { readSummary } from './summary-view';
import { summaryBundle } from './testing/fixtures';
import { activePdfNames, readPdf } from './testing/read-pdf';

describe('renderSummaryPdf (clinician summary, $summary as application/pdf)', () => {
  it('is an A4 document with the patient, every section as a headed list, codes, dates and sources', async () => {
    const bytes = await renderSummaryPdf(summaryBundle(), { language: 'en' });
    const pdf = await readPdf(bytes);
    expect(pdf.language).toBe('en-GB');
    expect(activePdfNames(bytes)).toEqual([]);
    const page = pdf.pages[0];
    expect(page.width).toBeCloseTo(595.28, 1);
    expect(page.height).toBeCloseTo(841.89, 1);
    const text = pdf.text;
    expect(text).toContain('Patient summary');
    expect(text).toContain('Patient: Élodie Lefèvre');
    expect(text).toContain('Born: 4 July 1961');
    expect(text).toContain('Identifier: 2610759123456');
    for (const title of [
      'Allergies and intolerances',
      'Problem list',
      'Medication',
      'Immunizations',
      'Procedures',
      'Results',
      'Encounters',
    ]) {
      expect(text).toContain(title);
    }
    expect(text).toContain('Allergie à la pénicilline [91936005]: Urticaire');
    expect(text).toContain('Status: current · 2 May 2019 · Source: CHU de Lille');
    expect(text).toContain('Hémoglobine glyquée [4548-4]: 6.8 %');
    expect(text.match(/Nothing recorded\./g)).toHaveLength(3);
    expect(text).toContain('Page 1 of 1');
  });

  it('is French by default and has no envelope window (nothing at the address block)', async () => {
    const pdf = await readPdf(await renderSummaryPdf(summaryBundle()));
    expect(pdf.language).toBe('fr-FR');
    expect(pdf.text).toContain('Résumé patient');
    expect(pdf.text).toContain('Allergies et intolérances');
    expect(pdf.text).not.toContain('APPARTEMENT');
  });

  it('shows only what the document holds: an entry whose reference does not resolve is left out', async () => {
    const bundle = summaryBundle();
    const composition = bundle.entry?.[0]?.resource as Composition;
    const dangling: Composition = {
      ...composition,
      section: composition.section?.map((s) =>
        s.code?.coding?.[0]?.code === '11450-4'
          ? { ...s, entry: [...(s.entry ?? []), { reference: 'Condition/not-in-the-bundle' }] }
          : s,
      ),
    };
    const withDangling: Bundle = {
      ...bundle,
      entry: [{ fullUrl: 'urn:uuid:composition', resource: dangling }, ...(bundle.entry ?? []).slice(1)],
    };
    const view = readSummary(withDangling, 'fr-FR');
    expect(view.sections.find((s) => s.key === 'problems')?.items).toHaveLength(1);
    const pdf = await readPdf(await renderSummaryPdf(withDangling));
    expect(pdf.text).toContain('Diabète de type 2');
    expect(pdf.text).not.toContain('not-in-the-bundle');
  });

  it('flows onto more pages, each footed with the patient and "page x of y"', async () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      resourceType: 'Condition' as const,
      id: `c${i}`,
      subject: { reference: 'Patient/p1' },
      code: { text: `Problème n° ${i}` },
      recordedDate: '2020-01-01',
    }));
    const pdf = await readPdf(await renderSummaryPdf(summaryBundle({ problems: many })));
    expect(pdf.pages.length).toBeGreaterThan(2);
    pdf.pages.forEach((p, i) => {
      expect(p.text).toContain(`Page ${i + 1} sur ${pdf.pages.length}`);
      expect(p.text).toContain('Résumé patient : Élodie Lefèvre');
    });
    expect(pdf.text).toContain('Problème n° 119');
  });
});

describe('readSummary', () => {
  it('reads sections by LOINC code in the summary order, whatever the Composition order', () => {
    const bundle = summaryBundle();
    const composition = bundle.entry?.[0]?.resource as Composition;
    composition.section = [...(composition.section ?? [])].reverse();
    composition.section.push({ code: { coding: [{ system: LOINC_SYSTEM, code: '00000-0' }] }, entry: [] });
    const view = readSummary(bundle, 'en-GB');
    expect(view.sections.map((s) => s.key)).toEqual([
      'allergies',
      'problems',
      'medications',
      'immunizations',
      'procedures',
      'results',
      'encounters',
    ]);
    expect(view.sections[0].items[0]).toMatchObject({
      resourceType: 'AllergyIntolerance',
      text: 'Allergie à la pénicilline',
      code: '91936005',
      detail: 'Urticaire',
      date: '2019-05-02',
      status: 'active',
      agency: 'CHU de Lille',
      recorded: '2025-02-01T09:00:00Z',
    });
    expect(view.patient).toEqual({
      name: 'Élodie Lefèvre',
      birthDate: '1961-07-04',
      identifiers: ['2610759123456'],
    });
  });

  it('gives every section, empty, for a document without a Composition', () => {
    const view = readSummary({ resourceType: 'Bundle', type: 'document', entry: [] }, 'fr-FR');
    expect(view.sections).toHaveLength(7);
    expect(view.sections.every((s) => s.items.length === 0)).toBe(true);
  });
});
