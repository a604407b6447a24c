import { LetterTooLongError } from './letter-types';
import { renderLetter } from './render-letter';
import * as f from './testing/fixtures';
import { type PdfContent, readPdf, type TextItem } from './testing/read-pdf';

/**
 * GOV.UK Notify's address block (24.6 mm from the left, 39.5 mm from the top, 95.4 × 26.8 mm),
 * written out here rather than taken from geometry.ts, in PDF coordinates (origin bottom-left)
 * where pdf.js reports text.
 */
const PT = 72 / 25.4;
const WINDOW = {
  left: 24.6 * PT,
  right: (24.6 + 95.4) * PT,
  top: 841.89 - 39.5 * PT,
  bottom: 841.89 - (39.5 + 26.8) * PT,
};
// DejaVu Sans: ascent 0.928 em, descent 0.236 em. pdf.js rounds positions to 1e-6 pt.
const EPSILON = 0.01;
const inWindow = (i: TextItem) =>
  i.x >= WINDOW.left - EPSILON &&
  i.x + i.width <= WINDOW.right + EPSILON &&
  i.y + 0.93 * i.size <= WINDOW.top + EPSILON &&
  i.y - 0.24 * i.size >= WINDOW.bottom - EPSILON;
const touchesWindow = (i: TextItem) =>
  i.x < WINDOW.right &&
  i.x + i.width > WINDOW.left &&
  i.y - 0.24 * i.size < WINDOW.top &&
  i.y + 0.93 * i.size > WINDOW.bottom;

async function render(
  letter: Parameters<typeof renderLetter>[0],
): Promise<{ pages: number; pdf: PdfContent }> {
  const rendered = await renderLetter(letter);
  return { pages: rendered.pages, pdf: await readPdf(rendered.pdf) };
}

describe('every letter', () => {
  it('is A4, French by default, footed on every page with "page x of y", contact, objection, large print', async () => {
    const { pages, pdf } = await render(f.summaryLetter());
    expect(pages).toBe(2);
    expect(pdf.pages).toHaveLength(2);
    expect(pdf.language).toBe('fr-FR');
    pdf.pages.forEach((page, i) => {
      expect(page.width).toBeCloseTo(595.28, 1);
      expect(page.height).toBeCloseTo(841.89, 1);
      expect(page.text).toContain(`Page ${i + 1} sur 2`);
      expect(page.text).toContain('Nous contacter : 03 20 00 00 00');
      expect(page.text).toContain('Vous pouvez vous opposer au partage de vos données de santé');
      expect(page.text).toContain('Ce courrier existe en gros caractères');
      expect(page.text).toContain('Référence : PSL-2025-000123');
    });
  });

  it('prints the address, and only the address, inside the envelope window', async () => {
    const { pdf } = await render(f.breakGlassLetter());
    const first = pdf.pages[0];
    const expected = ['Mme Élodie Lefèvre', 'APPARTEMENT 12', '8 RUE SAINT ELOI', '59800 LILLE'];
    for (const line of expected) {
      const item = first.items.find((i) => i.str === line);
      expect(item).toBeDefined();
      expect(item && inWindow(item)).toBe(true);
    }
    const others = first.items.filter((i) => i.str.trim() && touchesWindow(i)).map((i) => i.str);
    expect(others.sort()).toEqual([...expected].sort());
  });

  it('keeps 6 long address lines inside the window, shrinking a line too wide for it', async () => {
    const address = f.address({
      recipient: 'WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW',
      lines: [
        'Résidence des Grands Chênes',
        'Bâtiment B, escalier 4',
        'Appartement 1234',
        '128 boulevard de la Liberté',
      ],
      postalCode: '59800',
      city: 'Lille',
    });
    const { pdf } = await render(f.consentChangeLetter({ address }));
    const lines = address.lines;
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const item = pdf.pages[0].items.find((i) => i.str === line);
      expect(item && inWindow(item)).toBe(true);
    }
  });

  it('writes the sender block, date and reference on the first page', async () => {
    const { pdf } = await render(f.consentChangeLetter());
    const text = pdf.pages[0].text;
    expect(text).toContain('Passerelle Hauts-de-France');
    expect(text).toContain('12 rue de la Paix');
    expect(text).toContain('Date : 14 mars 2025');
    expect(text).toContain('Référence : PSL-2025-000123');
    expect(text).toContain('Bonjour Élodie Lefèvre,');
    expect(text).toContain('Avec nos salutations,');
  });

  it('draws accented and non-Latin names with the embedded font, as written', async () => {
    for (const name of [
      'Nguyễn Thị Minh Khai',
      'Иван Петрович Сидоров',
      'Ἀλέξανδρος Παπαδόπουλος',
      'Zoë Ørsted-Łukasiewicz',
    ]) {
      const { pdf } = await render(f.breakGlassLetter({ patientName: name }));
      expect(pdf.text).toContain(`Bonjour ${name},`);
    }
  });

  it('is in English when asked, dates included', async () => {
    const { pdf } = await render(f.breakGlassLetter({ language: 'en' }));
    expect(pdf.language).toBe('en-GB');
    expect(pdf.text).toContain('Dear Élodie Lefèvre,');
    expect(pdf.text).toContain('Date: 14 March 2025');
    expect(pdf.text).toContain('Page 1 of 1');
    expect(pdf.text).toContain('You can object to your health information being shared');
    expect(pdf.text).not.toContain('Bonjour');
  });

  it('in large print sets every text at 16 pt or more, the address block excepted', async () => {
    for (const letter of [
      f.summaryLetter({ largePrint: true }),
      f.accessReportLetter(12, { largePrint: true }),
    ]) {
      const { pdf } = await render(letter);
      const sizes = pdf.pages.flatMap((p) =>
        p.items.filter((i) => i.str.trim() && !inWindow(i)).map((i) => i.size),
      );
      expect(sizes.length).toBeGreaterThan(20);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(16);
      expect(pdf.text).toContain('Vous recevez ce courrier en gros caractères');
      pdf.pages.forEach((p, i) => expect(p.text).toContain(`Page ${i + 1} sur ${pdf.pages.length}`));
    }
    const standard = await render(f.summaryLetter());
    const body = standard.pdf.pages[0].items.find((i) => i.str.startsWith('Bonjour'));
    expect(body?.size).toBeLessThan(16);
  });

  it('refuses a letter over 10 pages with LetterTooLongError', async () => {
    const letter = f.accessReportLetter(0);
    const accesses = Array.from({ length: 500 }, (_, i) => ({
      at: new Date(Date.UTC(2024, 0, 1 + i)),
      agency: `Agence ${i}`,
      dataClass: 'Observation',
      purpose: 'TREAT',
      breakGlass: false,
    }));
    const error = await renderLetter({ ...letter, accesses }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LetterTooLongError);
    expect((error as LetterTooLongError).pages).toBeGreaterThan(10);
  });
});

describe('patient summary letter', () => {
  it('says in plain words what each section holds, who recorded it and when; "nothing recorded" when empty', async () => {
    const { pdf } = await render(f.summaryLetter());
    const text = pdf.text;
    expect(text).toContain('Le résumé de votre dossier de santé');
    for (const heading of [
      'Vos allergies',
      'Vos problèmes de santé',
      'Vos médicaments',
      'Vos vaccinations',
    ]) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('Allergie à la pénicilline (en cours) : Urticaire');
    expect(text).toContain('le 2 mai 2019, enregistré par CHU de Lille');
    expect(text).toContain('en mars 2015, enregistré par Cabinet du Dr Martin');
    expect(text).toContain('Hémoglobine glyquée : 6,8 %');
    expect(text.match(/Rien n’est enregistré\./g)).toHaveLength(3);
    // Codes mean nothing to a patient.
    expect(text).not.toContain('91936005');
  });
});

describe('break-glass notice', () => {
  it('says when, who, the reason given, what was seen and what the patient can do', async () => {
    const { pdf } = await render(f.breakGlassLetter());
    const text = pdf.text;
    expect(text).toContain('Un professionnel de santé a consulté votre dossier en urgence');
    expect(text).toContain('Le 12 mars 2025 à 14:32, Dr Karim Benali (Centre hospitalier de Roubaix)');
    expect(text).toContain('Patiente inconsciente aux urgences, recherche d’allergies.');
    expect(text).toContain('vos allergies');
    expect(text).toContain('vos médicaments (3)');
    expect(text).toContain('Ce que vous pouvez faire');
    expect(text).toContain('CNIL');
  });
});

describe('access report', () => {
  it('lists who looked, what and why per day, flags break-glass, groups repeats', async () => {
    const letter = f.accessReportLetter(6);
    const repeated = { ...letter.accesses[0], at: new Date(letter.accesses[0].at.getTime() + 60_000) };
    const { pdf } = await render({ ...letter, accesses: [...letter.accesses, repeated] });
    const text = pdf.text;
    expect(text).toContain('Qui a consulté votre dossier de santé');
    expect(text).toContain('entre le 1er janvier 2025 et le 31 mars 2025');
    expect(text).toContain('Date Qui Quoi Pourquoi');
    expect(text).toContain('vos résultats d’examens (2 fois)');
    expect(text).toContain('URGENCE – vous soigner en urgence');
    expect(text).toContain('Les lignes marquées URGENCE sont des accès en urgence');
  });

  it('says so when nobody looked', async () => {
    const { pdf } = await render(f.accessReportLetter(0));
    expect(pdf.text).toContain('Personne n’a consulté votre dossier pendant cette période.');
  });
});

describe('consent change confirmation', () => {
  it('spells out each rule: permit or deny, with whom, what, what for, when, and who recorded it', async () => {
    const { pdf } = await render(f.consentChangeLetter());
    const text = pdf.text;
    expect(text).toContain('Le 10 mars 2025, Cabinet du Dr Martin a modifié vos choix de partage.');
    expect(text).toContain('Règle 1 : vous refusez le partage');
    expect(text).toContain('Avec qui : Clinique des Lilas');
    expect(text).toContain('Quelles informations : votre santé mentale');
    expect(text).toContain('Pour quoi : vous soigner');
    expect(text).toContain('Règle 2 : vous acceptez le partage');
    expect(text).toContain('Avec qui : tous les hôpitaux');
    expect(text).toContain('Quand : du 10 mars 2025 au 31 décembre 2025');
  });
});
