import type { LetterStrings } from './types';

/** Lettres qui regroupent plusieurs événements ou tiennent dans plusieurs enveloppes, en français. */
export const GROUPED_FR: Pick<LetterStrings, 'grouped'> = {
  grouped: {
    breakGlassIntro: (count, day, who) =>
      `Le ${day}, ${who} a consulté votre dossier de santé partagé en urgence, ${count} fois. ` +
      `Ces accès ont été autorisés parce que la situation a été déclarée urgente, même si vos choix de ` +
      `partage ne le prévoyaient pas. Nous vous prévenons de chaque accès en urgence : les voici tous, ` +
      `dans l’ordre, dans une seule lettre.`,
    access: (index, when) => `Accès ${index} : ${when}`,
    requests: (from, to, count) =>
      from === to ? `à ${from}, ${count} consultations` : `de ${from} à ${to}, ${count} consultations`,
    who: 'Par',
    consentIntro: (count, day) =>
      `Le ${day}, vos choix de partage ont été enregistrés ou modifiés ${count} fois. ` +
      `Voici chaque modification, dans l’ordre : la dernière est celle qui s’applique aujourd’hui.`,
    change: (index, when) => `Modification ${index} : ${when}`,
    envelope: (index, of) => `Enveloppe ${index} sur ${of}`,
    envelopeNote: (of, reference) =>
      `Ce document est trop long pour une seule enveloppe : il vous est envoyé en ${of} enveloppes, ` +
      `toutes avec la référence ${reference}. Si l’une d’elles vous manque, contactez-nous.`,
    continued: (heading) => `${heading} (suite)`,
  },
};
