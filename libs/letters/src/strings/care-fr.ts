import type { LetterStrings } from './types';

/** Rendez-vous et médicaments, en français : phrases courtes, sans jargon médical. */
export const CARE_FR: Pick<LetterStrings, 'appointment' | 'medicines'> = {
  appointment: {
    title: (change) =>
      change === 'booked'
        ? 'Votre rendez-vous'
        : change === 'moved'
          ? 'Votre rendez-vous a changé'
          : 'Votre rendez-vous est annulé',
    intro: (change, agency) =>
      change === 'booked'
        ? `${agency} a pris un rendez-vous pour vous. Voici ce qu’il faut savoir.`
        : change === 'moved'
          ? `${agency} a déplacé votre rendez-vous. Merci de venir à la nouvelle date ci-dessous.`
          : `${agency} a annulé votre rendez-vous. Ne vous déplacez pas.`,
    previously: (when) => `Il était prévu le ${when}. Cette date ne tient plus.`,
    when: 'Quand',
    until: (time) => `jusqu’à ${time}`,
    where: 'Où',
    directions: 'Comment y aller',
    withWhom: 'Qui vous verrez',
    what: 'Pour quoi',
    bring: 'Ce qu’il faut apporter et préparer',
    change: 'Si vous ne pouvez pas venir',
    howToChange: (agency, phone) =>
      phone
        ? `Appelez ${agency} au ${phone} dès que possible pour changer ou annuler le rendez-vous.`
        : `Contactez ${agency} dès que possible pour changer ou annuler le rendez-vous. Vous pouvez aussi nous appeler.`,
    cancelledNote: 'Si vous souhaitez un nouveau rendez-vous, contactez le service qui l’avait pris.',
    late: 'Si ce courrier vous arrive après la date, le service vous appellera.',
  },
  medicines: {
    title: 'Vos médicaments',
    intro: (from) =>
      from
        ? `Vous êtes sorti(e) de ${from}. Voici les médicaments que vous devez prendre maintenant.`
        : 'Votre traitement au long cours a changé. Voici les médicaments que vous devez prendre maintenant.',
    current: 'Les médicaments que vous prenez maintenant',
    none: 'Aucun médicament n’est enregistré pour vous en ce moment.',
    dose: 'Combien',
    when: 'Quand',
    prescriber: 'Prescrit par',
    started: 'Nouveau',
    changed: 'Modifié',
    stoppedHeading: 'Les médicaments à arrêter',
    stopped: (name, by) => (by ? `${name} (arrêté par ${by})` : name),
    noChange: 'Aucun médicament n’a été arrêté depuis notre dernier courrier.',
    first: 'C’est la première liste de vos médicaments que nous vous envoyons.',
    withheld: (reference) =>
      'Certains de vos médicaments ne figurent pas ici, pour protéger votre vie privée : ce courrier peut être ' +
      'ouvert par une autre personne du foyer. Votre médecin ou votre pharmacien peut vous donner la liste ' +
      `complète. Pour la recevoir par courrier, appelez-nous en citant la référence ${reference}.`,
    advice:
      'N’arrêtez pas et ne changez pas un médicament sans l’avis de votre médecin ou de votre pharmacien. ' +
      'Gardez ce courrier et montrez-le à tout médecin, infirmier ou pharmacien que vous voyez.',
  },
};
