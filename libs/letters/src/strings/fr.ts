import { CARE_FR } from './care-fr';
import { GROUPED_FR } from './grouped-fr';
import type { LetterStrings } from './types';

function joinFr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} et ${items[items.length - 1]}`;
}

export const FR: LetterStrings = {
  locale: 'fr-FR',
  colon: ' : ',
  date: 'Date',
  reference: 'Référence',
  phone: 'Tél.',
  email: 'Courriel',
  page: (page, of) => `Page ${page} sur ${of}`,
  greeting: (name) => `Bonjour ${name},`,
  signOff: 'Avec nos salutations,',
  team: (service) => `L’équipe ${service}`,
  nothingRecorded: 'Rien n’est enregistré.',
  unknownDate: 'date inconnue',
  unknown: 'non précisé',
  listJoin: joinFr,
  footer: {
    contact: (c) =>
      `Nous contacter : ${[c.phone && `${c.phone}${c.hours ? ` (${c.hours})` : ''}`, c.email, c.address]
        .filter(Boolean)
        .join(' · ')}.`,
    object:
      'Vous pouvez vous opposer au partage de vos données de santé entre les services qui vous soignent : ' +
      'appelez-nous ou écrivez-nous en rappelant la référence de ce courrier.',
    largePrint: (isLargePrint) =>
      isLargePrint
        ? 'Vous recevez ce courrier en gros caractères. Pour le recevoir en taille normale, contactez-nous.'
        : 'Ce courrier existe en gros caractères : demandez-le par téléphone ou par courrier.',
  },
  summary: {
    title: 'Le résumé de votre dossier de santé',
    intro: (service) =>
      `Vous nous avez demandé ce que les services de santé qui vous soignent ont enregistré à votre sujet et ` +
      `partagé par ${service}. Voici ce résumé. Pour chaque information, nous indiquons qui l’a enregistrée et quand.`,
    sections: {
      allergies: 'Vos allergies',
      problems: 'Vos problèmes de santé',
      medications: 'Vos médicaments',
      immunizations: 'Vos vaccinations',
      procedures: 'Vos opérations et actes médicaux',
      results: 'Vos résultats d’examens récents',
      encounters: 'Vos consultations et séjours récents',
    },
    recordedBy: (agency) => `enregistré par ${agency}`,
    dated: (date, precision) => (precision === 'day' ? `le ${date}` : `en ${date}`),
    correction:
      'Si une information vous semble fausse, dites-le au service qui l’a enregistrée, ou contactez-nous : ' +
      'nous transmettrons votre demande.',
  },
  breakGlass: {
    title: 'Un professionnel de santé a consulté votre dossier en urgence',
    intro: (when, who) =>
      `Le ${when}, ${who} a consulté votre dossier de santé partagé en urgence. ` +
      `Cet accès a été autorisé parce que la situation a été déclarée urgente, ` +
      `même si vos choix de partage ne le prévoyaient pas. Nous vous prévenons de chaque accès en urgence.`,
    byPractitioner: (practitioner, agency) => `${practitioner} (${agency})`,
    reasonLabel: 'La raison donnée',
    noReason: 'Aucune raison n’a été donnée.',
    seenLabel: 'Ce qui a été consulté',
    nothingSeen: 'Aucune information n’a été affichée.',
    whatYouCanDo: 'Ce que vous pouvez faire',
    actions: (reference) => [
      'Si cet accès vous semble normal, vous n’avez rien à faire.',
      `Si vous pensez qu’il n’était pas justifié, contactez-nous en indiquant la référence ${reference}. ` +
        'Nous vérifierons avec l’établissement concerné et vous répondrons par écrit.',
      'Vous pouvez aussi adresser une réclamation à la CNIL, l’autorité de protection des données (www.cnil.fr).',
    ],
  },
  accessReport: {
    title: 'Qui a consulté votre dossier de santé',
    intro: (start, end) =>
      `Voici la liste des consultations de votre dossier de santé partagé entre le ${start} et le ${end}. ` +
      `Les consultations du même jour, par le même service et pour la même raison, sont regroupées.`,
    columns: { when: 'Date', who: 'Qui', what: 'Quoi', why: 'Pourquoi' },
    breakGlass: 'URGENCE',
    breakGlassNote:
      'Les lignes marquées URGENCE sont des accès en urgence : ils ont été autorisés même si vos choix ' +
      'de partage ne le prévoyaient pas.',
    none: 'Personne n’a consulté votre dossier pendant cette période.',
    times: (count) => (count > 1 ? `${count} fois` : ''),
    question: (reference) =>
      `Si une consultation vous semble anormale, contactez-nous en indiquant la référence ${reference}.`,
  },
  consentChange: {
    title: 'Vos choix de partage ont été enregistrés',
    intro: (action, when, by) =>
      ({
        created: `Le ${when}, ${by} a enregistré vos choix de partage. Les voici.`,
        updated: `Le ${when}, ${by} a modifié vos choix de partage. Voici vos nouveaux choix.`,
        withdrawn: `Le ${when}, ${by} a retiré vos choix de partage. Les règles ci-dessous ne s’appliquent plus.`,
      })[action],
    rule: (index, decision) =>
      `Règle ${index} : ${decision === 'permit' ? 'vous acceptez le partage' : 'vous refusez le partage'}`,
    who: 'Avec qui',
    what: 'Quelles informations',
    why: 'Pour quoi',
    when: 'Quand',
    everyone: 'tous les services de santé',
    allData: 'toutes vos informations',
    anyPurpose: 'toutes les raisons',
    always: 'sans limite de date',
    from: (date) => `à partir du ${date}`,
    until: (date) => `jusqu’au ${date}`,
    between: (start, end) => `du ${start} au ${end}`,
    agencyKinds: {
      hospital: 'tous les hôpitaux',
      gp: 'tous les médecins généralistes',
      specialist: 'tous les cabinets de spécialistes',
    },
    noRules: 'Aucune règle particulière : les règles habituelles du service s’appliquent.',
    notYou: (reference) =>
      `Si vous n’avez pas demandé ce changement, contactez-nous vite en indiquant la référence ${reference}.`,
  },
  consentForm: {
    title: 'Formulaire : vos choix de partage',
    intro:
      'Choisissez avec qui vos informations de santé sont partagées : cochez, datez, signez (sans signature, ' +
      'rien n’est enregistré) et renvoyez cette page par la poste.',
    name: 'Nom',
    code: 'Code du formulaire',
    returnBy: (date) => `À renvoyer avant le ${date}.`,
    returnTo: (address) => `Adresse de retour : ${address}.`,
    sharingHeading: '1. Partage avec les services qui vous soignent',
    sharingHelp:
      'Une case au plus par ligne. « J’accepte » : ces services peuvent voir vos informations pour vous soigner. ' +
      '« Je refuse » : ils ne les voient pas. Sans case cochée, rien ne change pour cette ligne.',
    agree: 'J’accepte',
    refuse: 'Je refuse',
    kinds: {
      hospital: 'Les hôpitaux',
      gp: 'Les médecins généralistes',
      specialist: 'Les cabinets de spécialistes',
    },
    sensitiveHeading: '2. Informations sensibles',
    sensitiveHelp:
      'Partagées seulement si vous cochez : cochez pour chaque service qui peut les voir pour vous soigner ' +
      '(pas un service dont vous refusez le partage ci-dessus).',
    categories: {
      'mental-health': 'Santé mentale et suivi psychiatrique',
      hiv: 'VIH',
      'sexual-health': 'Santé sexuelle et infections sexuellement transmissibles',
      'substance-use': 'Addictions (alcool, drogues, médicaments)',
      genetics: 'Maladies génétiques',
      violence: 'Violences subies',
    },
    signature: 'Signature',
    date: 'Date (jj / mm / aaaa)',
    attached:
      'Vous pouvez changer ces choix par courrier : remplissez le formulaire joint à cette lettre et renvoyez-le-nous.',
  },
  consentFormRecorded: {
    title: 'Nous avons enregistré vos choix de partage',
    intro: (when, formLetter) =>
      `Le ${when}, nous avons enregistré les choix du formulaire que vous avez signé et renvoyé ` +
      `(courrier ${formLetter}). Les voici.`,
    sharingHeading: 'Partage avec les services qui vous soignent',
    sharing: (decision) =>
      decision === 'permit'
        ? 'vous acceptez, pour vous soigner'
        : decision === 'deny'
          ? 'vous refusez'
          : 'pas de choix : les règles habituelles s’appliquent',
    sensitiveHeading: 'Informations sensibles : qui peut les voir',
    kinds: {
      hospital: 'les hôpitaux',
      gp: 'les médecins généralistes',
      specialist: 'les cabinets de spécialistes',
    },
    nobody: 'personne',
    replaces: 'Ces choix remplacent ceux des formulaires que vous avez pu renvoyer avant.',
    notYou: (reference) =>
      `Si ce ne sont pas vos choix, remplissez le nouveau formulaire joint, ou contactez-nous en indiquant la ` +
      `référence ${reference}.`,
  },
  ...CARE_FR,
  ...GROUPED_FR,
  clinician: {
    title: 'Résumé patient',
    patient: 'Patient',
    born: 'Né(e) le',
    identifier: 'Identifiant',
    generated: 'Produit le',
    source: 'Source',
    status: 'Statut',
    sectionTitles: {
      allergies: 'Allergies et intolérances',
      problems: 'Problèmes',
      medications: 'Traitements',
      immunizations: 'Vaccinations',
      procedures: 'Actes et interventions',
      results: 'Résultats d’examens',
      encounters: 'Rencontres',
    },
  },
  dataClasses: {
    Patient: 'votre identité et vos coordonnées',
    AllergyIntolerance: 'vos allergies',
    Condition: 'vos problèmes de santé',
    MedicationStatement: 'vos médicaments',
    MedicationRequest: 'vos ordonnances',
    Medication: 'vos médicaments',
    Immunization: 'vos vaccinations',
    Procedure: 'vos opérations et actes médicaux',
    Observation: 'vos résultats d’examens',
    DiagnosticReport: 'vos comptes rendus d’examens',
    Encounter: 'vos consultations et séjours',
    DocumentReference: 'vos documents',
    Composition: 'le résumé de votre dossier',
    Consent: 'vos choix de partage',
    ServiceRequest: 'vos demandes d’examens ou de soins',
    CarePlan: 'vos plans de soins',
    summary: 'le résumé de votre dossier',
    MH: 'votre santé mentale',
    PSY: 'votre suivi psychiatrique',
    HIV: 'le VIH',
    SEX: 'votre santé sexuelle et reproductive',
    STD: 'les infections sexuellement transmissibles',
    SUD: 'les addictions',
    ETH: 'les addictions',
    GDIS: 'les maladies génétiques',
    SDV: 'les violences subies',
    R: 'les informations très confidentielles',
    V: 'les informations très confidentielles',
  },
  otherData: (code) => `d’autres informations (${code})`,
  purposes: {
    TREAT: 'vous soigner',
    ETREAT: 'vous soigner en urgence',
    HPAYMT: 'le remboursement de vos soins',
    HOPERAT: 'l’organisation des soins',
    HRESCH: 'la recherche',
    PUBHLTH: 'la santé publique',
    PATRQT: 'votre demande',
  },
  otherPurpose: (code) => `une autre raison (${code})`,
  statuses: {
    active: 'en cours',
    recurrence: 'récidive',
    relapse: 'rechute',
    inactive: 'inactif',
    remission: 'en rémission',
    resolved: 'guéri',
    completed: 'terminé',
    stopped: 'arrêté',
    'on-hold': 'suspendu',
    intended: 'prévu',
    'not-done': 'non fait',
    'entered-in-error': 'saisi par erreur',
    unconfirmed: 'non confirmé',
    provisional: 'provisoire',
    confirmed: 'confirmé',
    refuted: 'écarté',
  },
};
