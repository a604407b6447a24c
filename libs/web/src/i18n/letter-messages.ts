/** The mailroom's letter page (preview, address fix): kept apart from mailroom-messages.ts. */
const en = {
  title: 'Letter',
  back: 'Back to the mailroom',
  preview: 'First page, as it would be printed now',
  previewAlt: (reference: string, kind: string) =>
    `First page of letter ${reference} (${kind}), as it would be printed now: the address block in the envelope window, then the letter’s text.`,
  previewNone: 'No preview: this letter cannot be printed.',
  address: 'Postal address',
  addressHelp:
    'The address the letter would go to now. Correct it and save: the mailroom checks it as it checks every address (French addresses in La Poste’s format, other countries with the country as the last line). When the checks pass, the letter is released and decided again.',
  fixedBy: 'Corrected by',
  recipient: 'Line 1: recipient',
  recipientHint: 'as the patient is called, e.g. Mme Marie Dupont',
  line: (n: number) => `Line ${n + 1}`,
  lineHint: 'flat, building, number and street, locality or PO box',
  postalCode: 'Postal code',
  city: 'Town or commune',
  country: 'Country',
  countryHint: 'empty for France; else its ISO code (BE, GB…) or name',
  save: 'Save the address and release the letter',
  checks: 'Address checks',
  checksLive: 'The checks run again as you type.',
  pass: 'The address passes the checks. The envelope will read:',
  fail: 'The address fails a check:',
  notHeld: 'This letter is not held: its address can be corrected only while it waits for an operator.',
  problems: {
    'no-address': 'There is no address.',
    'no-recipient': 'Line 1 (the recipient) is empty.',
    'too-many-lines': 'Too many lines: at most 6 fit the envelope window.',
    'line-too-long': 'A line is longer than 38 characters.',
    'bad-postcode': 'The postal code is not 5 digits starting with a French department number.',
    'no-city': 'The town or commune is missing.',
    'unknown-country': 'The country is neither a known ISO code nor a name.',
    'formula-injection': 'A field starts with = + - @ (a spreadsheet formula).',
    'hidden-characters': 'A field holds control or text-direction characters.',
    'no-fixed-abode': 'The address says the patient has no fixed abode: there is nowhere to post to.',
  },
};

export type LetterMessages = typeof en;

const fr: LetterMessages = {
  title: 'Courrier',
  back: 'Retour au service courrier',
  preview: 'Première page, telle qu’elle serait imprimée maintenant',
  previewAlt: (reference: string, kind: string) =>
    `Première page du courrier ${reference} (${kind}), telle qu’elle serait imprimée maintenant : le bloc adresse dans la fenêtre de l’enveloppe, puis le texte du courrier.`,
  previewNone: 'Pas d’aperçu : ce courrier ne peut pas être imprimé.',
  address: 'Adresse postale',
  addressHelp:
    'L’adresse à laquelle le courrier partirait maintenant. Corrigez-la et enregistrez : le service courrier la vérifie comme toute adresse (adresses françaises au format de La Poste, autres pays avec le pays en dernière ligne). Si les vérifications passent, le courrier est relancé.',
  fixedBy: 'Corrigée par',
  recipient: 'Ligne 1 : destinataire',
  recipientHint: 'comme le patient se fait appeler, p. ex. Mme Marie Dupont',
  line: (n: number) => `Ligne ${n + 1}`,
  lineHint: 'appartement, bâtiment, numéro et voie, lieu-dit ou boîte postale',
  postalCode: 'Code postal',
  city: 'Commune',
  country: 'Pays',
  countryHint: 'vide pour la France ; sinon son code ISO (BE, GB…) ou son nom',
  save: 'Enregistrer l’adresse et relancer le courrier',
  checks: 'Vérifications de l’adresse',
  checksLive: 'Les vérifications se refont pendant la saisie.',
  pass: 'L’adresse passe les vérifications. L’enveloppe portera :',
  fail: 'L’adresse échoue à une vérification :',
  notHeld: 'Ce courrier n’est pas en attente : son adresse ne se corrige que tant qu’il attend un opérateur.',
  problems: {
    'no-address': 'Il n’y a pas d’adresse.',
    'no-recipient': 'La ligne 1 (le destinataire) est vide.',
    'too-many-lines': 'Trop de lignes : 6 au plus tiennent dans la fenêtre de l’enveloppe.',
    'line-too-long': 'Une ligne dépasse 38 caractères.',
    'bad-postcode': 'Le code postal n’est pas 5 chiffres commençant par un numéro de département.',
    'no-city': 'La commune manque.',
    'unknown-country': 'Le pays n’est ni un code ISO connu ni un nom.',
    'formula-injection': 'Un champ commence par = + - @ (une formule de tableur).',
    'hidden-characters': 'Un champ contient des caractères de contrôle ou de sens d’écriture.',
    'no-fixed-abode':
      'L’adresse indique que le patient est sans domicile fixe : il n’y a nulle part où poster.',
  },
};

export const LETTER_TEXTS = { en, fr };
