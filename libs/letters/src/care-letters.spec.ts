import { renderLetter } from './render-letter';
import * as f from './testing/fixtures';
import { readPdf } from './testing/read-pdf';

/** The appointment and medicines letters, read back from the PDF as a patient would read them. */

async function text(letter: Parameters<typeof renderLetter>[0]) {
  const rendered = await renderLetter(letter);
  const pdf = await readPdf(rendered.pdf);
  return { text: pdf.text, pages: rendered.pages, pdf };
}

describe('appointment letter', () => {
  it('says when, where and how to get there, with whom, what for, what to bring and whom to call', async () => {
    const { text: t, pages } = await text(f.appointmentLetter('booked'));
    expect(pages).toBe(1);
    expect(t).toContain('Votre rendez-vous');
    expect(t).toContain('CHU de Lille a pris un rendez-vous pour vous.');
    expect(t).toContain('Quand : mardi 8 avril 2025 à 14:30 jusqu’à 15:00');
    expect(t).toContain(
      'Où : Institut Cœur Poumon, 2e étage, Boulevard du Professeur Jules Leclercq, 59000 Lille',
    );
    expect(t).toContain('Métro ligne 1, arrêt CHU – Eurasanté');
    expect(t).toContain('Qui vous verrez : Dr Claire Martin');
    expect(t).toContain('Pour quoi : Consultation de cardiologie');
    expect(t).toContain('Votre carte Vitale');
    expect(t).toContain('Appelez CHU de Lille au 03 20 44 59 62');
  });

  it('moved: gives the new time and says the old one no longer holds', async () => {
    const { text: t } = await text(f.appointmentLetter('moved'));
    expect(t).toContain('Votre rendez-vous a changé');
    expect(t).toContain('Quand : mardi 8 avril 2025 à 14:30');
    expect(t).toContain('Il était prévu le mardi 1er avril 2025 à 10:00. Cette date ne tient plus.');
  });

  it('cancelled: says not to go, without directions or things to bring', async () => {
    const { text: t } = await text(f.appointmentLetter('cancelled'));
    expect(t).toContain('Votre rendez-vous est annulé');
    expect(t).toContain('Ne vous déplacez pas.');
    expect(t).not.toContain('Comment y aller');
    expect(t).not.toContain('Votre carte Vitale');
  });

  it('in English and large print', async () => {
    const { text: t, pdf } = await text(f.appointmentLetter('booked', { language: 'en', largePrint: true }));
    expect(t).toContain('Your appointment');
    expect(t).toContain('When: Tuesday, 8 April 2025 at 14:30 until 15:00');
    expect(t).toContain('Call CHU de Lille on 03 20 44 59 62');
    expect(pdf.language).toBe('en-GB');
  });
});

describe('medicines letter', () => {
  it('lists each medicine with how much, when, who prescribed it and what changed; what to stop; that some are not listed', async () => {
    const { text: t } = await text(f.medicinesLetter());
    expect(t).toContain('Vos médicaments');
    expect(t).toContain('Vous êtes sorti(e) de CHU de Lille.');
    expect(t).toContain('Bisoprolol 2,5 mg, comprimé (Nouveau)');
    expect(t).toContain('Combien : 1 comprimé');
    expect(t).toContain('Quand : le matin');
    expect(t).toContain('Prescrit par : Dr Claire Martin (CHU de Lille)');
    expect(t).toContain('Amlodipine 5 mg, gélule (Modifié)');
    expect(t).toContain('Paracétamol 1 g');
    expect(t).toContain('Les médicaments à arrêter');
    expect(t).toContain('Ramipril 5 mg (arrêté par CHU de Lille)');
    expect(t).toContain('Certains de vos médicaments ne figurent pas ici');
    expect(t).toContain('PSL-2025-000123');
  });

  it('a first letter has nothing to compare with; nothing withheld says nothing about it', async () => {
    const letter = f.medicinesLetter({ language: 'en' });
    const { text: t } = await text({
      ...letter,
      medicines: {
        ...letter.medicines,
        dischargedFrom: undefined,
        first: true,
        withheld: false,
        stopped: [],
      },
    });
    expect(t).toContain('Your long-term medicines have changed.');
    expect(t).toContain('This is the first list of your medicines we send you.');
    expect(t).not.toContain('Medicines you should stop');
    expect(t).not.toContain('not listed here');
  });
});
