import type { Letter } from './letter-types';
import { collect, drawLetter, newDocument, renderLetter } from './render-letter';
import * as f from './testing/fixtures';
import { activePdfNames, type PdfContent, readPdf, type TextItem } from './testing/read-pdf';

/**
 * The paper form consent letters carry, read back with pdf.js: its labels, code and dates as
 * text; its boxes as the rectangles in the page's drawing operators (the letter drawn once more
 * into an uncompressed document, where they can be read), each on its page.
 */

const A4_HEIGHT = 841.89;
const LEFT = 15 * (72 / 25.4);
const RIGHT = 595.28 - LEFT;

interface Box {
  x: number;
  /** Bottom edge, in PDF coordinates (origin bottom-left), as pdf.js reports text. */
  y: number;
  width: number;
  height: number;
}

/** Rectangles stroked on each page, in page order. pdfkit draws with the y axis flipped. */
function boxesByPage(raw: string): Box[][] {
  const objects = new Map<string, string>();
  for (const m of raw.matchAll(/(\d+) 0 obj\n([\s\S]*?)\nendobj/g)) objects.set(m[1], m[2]);
  const kids = /\/Type \/Pages[\s\S]*?\/Kids \[([^\]]*)\]/.exec(raw)?.[1] ?? '';
  return [...kids.matchAll(/(\d+) 0 R/g)].map(([, page]) => {
    const contents = /\/Contents (\d+) 0 R/.exec(objects.get(page) ?? '')?.[1] ?? '';
    const stream = objects.get(contents) ?? '';
    return [...stream.matchAll(/([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+) re/g)].map((m) => {
      const [x, top, width, height] = m.slice(1).map(Number);
      return { x, y: A4_HEIGHT - top - height, width, height };
    });
  });
}

async function rendered(letter: Letter): Promise<{ pdf: PdfContent; boxes: Box[][]; bytes: Buffer }> {
  const { pdf: bytes } = await renderLetter(letter);
  const plain = newDocument({ title: '', author: '', lang: 'fr-FR' }, { compress: false });
  const done = collect(plain);
  drawLetter(plain, letter);
  plain.end();
  return { pdf: await readPdf(bytes), boxes: boxesByPage((await done).toString('latin1')), bytes };
}

const overlaps = (i: TextItem, b: Box) =>
  i.x < b.x + b.width &&
  i.x + i.width > b.x &&
  i.y - 0.24 * i.size < b.y + b.height &&
  i.y + 0.93 * i.size > b.y;

/** Every form page: its text inside the column, no text over a box. */
function expectLaidOut(pdf: PdfContent, boxes: Box[][]): void {
  pdf.pages.forEach((page, n) => {
    for (const item of page.items.filter((i) => i.str.trim())) {
      expect(item.x).toBeGreaterThanOrEqual(LEFT - 0.5);
      expect(item.x + item.width).toBeLessThanOrEqual(RIGHT + 0.5);
      const hit = boxes[n].find((b) => overlaps(item, b));
      expect(hit && { text: item.str, page: n + 1 }).toBeUndefined();
    }
  });
}

const FR_LABELS = [
  'Formulaire : vos choix de partage',
  'J’accepte',
  'Je refuse',
  'Les hôpitaux',
  'Les médecins généralistes',
  'Les cabinets de spécialistes',
  'Santé mentale et suivi psychiatrique',
  'VIH',
  'Addictions (alcool, drogues, médicaments)',
  'Maladies génétiques',
  'Violences subies',
  'Signature',
];

describe('the paper consent form', () => {
  it('follows the consent-change letter on a page of its own: boxes for each kind and category, code, signature and date', async () => {
    const { pdf, boxes, bytes } = await rendered(f.consentChangeWithForm());
    const formPage = pdf.pages.findIndex((p) => p.text.includes('Formulaire : vos choix de partage'));
    expect(formPage).toBeGreaterThan(0);
    expect(pdf.pages[formPage - 1].text).toContain('remplissez le formulaire joint');
    const form = pdf.pages
      .slice(formPage)
      .map((p) => p.text)
      .join(' ');
    for (const label of FR_LABELS) expect(form).toContain(label);
    expect(form).toContain('Santé sexuelle et infections sexuellement transmissibles');
    expect(form).toContain('Code du formulaire : K7QM-2XWP-9TRB-4');
    expect(form).toContain('À renvoyer avant le 12 juin 2025.');
    expect(form).toContain('Adresse de retour : Passerelle Hauts-de-France, 12 rue de la Paix, 59000 Lille.');
    expect(form).toContain('Nom : Élodie Lefèvre');
    // 3 kinds × (agree, refuse) + 6 categories × 3 kinds, then the signature and the date.
    expect(boxes.slice(0, formPage).flat()).toEqual([]);
    expect(boxes.flat()).toHaveLength(3 * 2 + 6 * 3 + 2);
    expect(pdf.pages).toHaveLength(formPage + 1); // one page: the form goes back in one envelope
    expectLaidOut(pdf, boxes);
    // Drawn boxes, not a PDF form: nothing to fill in on screen, nothing active.
    expect(activePdfNames(bytes)).toEqual([]);
  });

  it('is in English when the letter is', async () => {
    const { pdf } = await rendered(f.consentChangeWithForm({ language: 'en' }));
    for (const label of [
      'Form: your sharing choices',
      'I agree',
      'I refuse',
      'Hospitals',
      'GP practices',
      'HIV',
    ])
      expect(pdf.text).toContain(label);
    expect(pdf.text).toContain('Form code: K7QM-2XWP-9TRB-4');
    expect(pdf.text).toContain('Please return it before 12 June 2025.');
    expect(pdf.text).not.toContain('J’accepte');
  });

  it('still lays out in large print: every text at 16 pt or more, every box, nothing over a box', async () => {
    const { pdf, boxes } = await rendered(f.consentChangeWithForm({ largePrint: true }));
    expect(pdf.pages.length).toBeLessThanOrEqual(10);
    for (const label of FR_LABELS) expect(pdf.text).toContain(label);
    expect(pdf.text).toContain('K7QM-2XWP-9TRB-4');
    expect(boxes.flat()).toHaveLength(3 * 2 + 6 * 3 + 2);
    const sizes = pdf.pages.slice(1).flatMap((p) => p.items.filter((i) => i.str.trim()).map((i) => i.size));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(16);
    expect(boxes.flat().every((b) => b.width >= 16 && b.height >= 16)).toBe(true);
    expectLaidOut(pdf, boxes);
    pdf.pages.forEach((p, i) => expect(p.text).toContain(`Page ${i + 1} sur ${pdf.pages.length}`));
  });

  it('prints a hostile name as text', async () => {
    const name = '<script>alert(1)</script> /JavaScript (x) Tj';
    const { pdf, bytes } = await rendered(f.consentChangeWithForm({ patientName: name }));
    expect(pdf.text).toContain(`Nom : ${name}`);
    expect(activePdfNames(bytes)).toEqual([]);
  });
});

describe('the confirmation of a paper form', () => {
  it('says what was recorded, box by box, and carries a new form to correct it', async () => {
    const { pdf, boxes } = await rendered(f.consentFormRecordedLetter());
    const text = pdf.text;
    expect(text).toContain('Nous avons enregistré vos choix de partage');
    expect(text).toContain('Le 20 mai 2025, nous avons enregistré les choix du formulaire');
    expect(text).toContain('(courrier A1B2-C3D4-E5F6-0718)');
    expect(text).toContain('Les hôpitaux : vous refusez');
    expect(text).toContain('Les médecins généralistes : vous acceptez, pour vous soigner');
    expect(text).toContain(
      'Les cabinets de spécialistes : pas de choix : les règles habituelles s’appliquent',
    );
    expect(text).toContain(
      'Santé mentale et suivi psychiatrique : les médecins généralistes et les cabinets de spécialistes',
    );
    expect(text).toContain('VIH : les médecins généralistes');
    expect(text).toContain('Maladies génétiques : personne');
    expect(text).toContain('Code du formulaire : K7QM-2XWP-9TRB-4');
    expect(boxes.flat()).toHaveLength(3 * 2 + 6 * 3 + 2);
  });

  it('in English too', async () => {
    const { pdf } = await rendered(f.consentFormRecordedLetter({ language: 'en' }));
    expect(pdf.text).toContain('We have recorded your sharing choices');
    expect(pdf.text).toContain('Hospitals: you refuse');
    expect(pdf.text).toContain('HIV: GP practices');
  });
});
