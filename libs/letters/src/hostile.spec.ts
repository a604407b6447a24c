import { renderSummaryPdf } from './clinician-summary';
import { renderLetter } from './render-letter';
import * as f from './testing/fixtures';
import { activePdfNames, readPdf } from './testing/read-pdf';

/**
 * Text that came from outside (a patient's name, an agency's reason, a clinical display text) is
 * drawn as inert characters: no link, no script, no markup interpreted, no hidden direction
 * change, and no letter pushed past 10 pages by sheer length.
 */
const HTML = '<b>gras</b><script>alert(1)</script><a href="https://evil.example">ici</a>';
const JS_URL = 'javascript:alert(document.cookie)';
const FORMULA = "=cmd|' /C calc'!A0";
const RTL = 'Alice \u202Egnp.exe\u202C \u2067isolé\u2069';
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;

async function check(pdf: Buffer) {
  const content = await readPdf(pdf);
  for (const page of content.pages) expect(page.annotations).toEqual([]);
  expect(activePdfNames(pdf)).toEqual([]);
  expect(content.text).not.toMatch(BIDI);
  return content;
}

describe('hostile input in letters', () => {
  it('a 10,000-character name is shortened, and the letter stays within its pages', async () => {
    const name = 'Å'.repeat(10_000);
    const { pdf, pages } = await renderLetter(f.breakGlassLetter({ patientName: name }));
    const content = await check(pdf);
    expect(pages).toBe(1);
    // Broken across lines (a word longer than a line is cut), capped at 200 characters.
    expect(content.text.replace(/\s/g, '')).toContain(`Bonjour${'Å'.repeat(199)}…,`);
    expect(content.text.match(/Å/g)).toHaveLength(199);
  });

  it('HTML, javascript: URLs and formulas print as the characters they are', async () => {
    const letter = f.breakGlassLetter({ patientName: FORMULA });
    const { pdf } = await renderLetter({
      ...letter,
      access: { ...letter.access, agency: HTML, practitioner: JS_URL, reason: `${JS_URL}\n${HTML}` },
    });
    const content = await check(pdf);
    expect(content.text).toContain(`Bonjour ${FORMULA},`);
    expect(content.text).toContain('<b>gras</b><script>alert(1)</script>');
    expect(content.text).toContain(JS_URL);
  });

  it('bidi overrides and isolates are removed: the line reads as stored, in order', async () => {
    const { pdf } = await renderLetter(f.consentChangeLetter({ patientName: RTL }));
    const content = await check(pdf);
    expect(content.text).toContain('Bonjour Alice gnp.exe isolé,');
  });

  it('hostile display texts and agency names in a summary stay text, in the letter and the clinician PDF', async () => {
    const bundle = f.summaryBundle({
      allergies: [
        {
          resourceType: 'AllergyIntolerance',
          id: 'h1',
          patient: { reference: 'Patient/p1' },
          code: { text: `${HTML} ${RTL}` },
          reaction: [{ manifestation: [{ text: JS_URL }] }],
          extension: [
            {
              url: 'https://passerelle.health/fhir/StructureDefinition/source-agency',
              valueReference: { display: FORMULA },
            },
          ],
        },
      ],
    });
    const letter = await renderLetter({ ...f.summaryLetter(), summary: bundle });
    const fromLetter = await check(letter.pdf);
    expect(fromLetter.text).toContain('<b>gras</b>');
    expect(fromLetter.text).toContain(`enregistré par ${FORMULA}`);
    const clinician = await check(await renderSummaryPdf(bundle));
    expect(clinician.text).toContain(JS_URL);
    expect(clinician.text).toContain(`Source : ${FORMULA}`);
  });

  it('control characters never reach the page', async () => {
    const { pdf } = await renderLetter(
      f.breakGlassLetter({ patientName: 'Jean\u0000\u0008\u001B[31m Dupont' }),
    );
    const content = await check(pdf);
    expect(content.text).toContain('Bonjour Jean[31m Dupont,');
  });
});
