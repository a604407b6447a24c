/** The identity review page's texts (kept apart from messages.ts, which would grow too long). */
const en = {
  title: 'Identity review',
  nav: 'Identity review',
  help: 'Each candidate is two agencies’ records the patient index thinks may be the same person. Compare them, then confirm or reject with a reason. Confirming moves every record of the first person into the second; it can be undone.',
  none: 'No candidate is waiting for review.',
  candidate: 'Candidate',
  proposedBy: 'Proposed by the rule',
  trait: 'Trait',
  record: 'Record',
  agrees: 'Agrees',
  yes: 'yes',
  no: 'no',
  agency: 'Agency',
  recordId: 'Hub record',
  name: 'Name',
  birthDate: 'Date of birth',
  gender: 'Gender',
  identifiers: 'Identifiers',
  address: 'Address',
  members: 'Records of this person',
  reason: 'Reason',
  confirm: 'Confirm: same person',
  reject: 'Reject: different people',
  undo: 'Undo this decision',
  reasons: {
    'documents-checked': 'identity documents checked',
    'agency-confirmed': 'confirmed by the agencies',
    'demographics-match': 'demographics match beyond doubt',
    'different-person': 'different people',
    'family-member': 'family members (twins, parent and child)',
    'insufficient-evidence': 'not enough to decide',
  },
  done: {
    confirm: 'Confirmed: records moved',
    reject: 'Rejected: no record moved',
    undo: 'Undone: records separated again',
  },
  missingRecord: '(record deleted or unavailable)',
};

export type IdentityMessages = typeof en;

const fr: IdentityMessages = {
  title: 'Rapprochement d’identités',
  nav: 'Identités',
  help: 'Chaque proposition réunit deux dossiers de structures différentes que l’index patient croit être la même personne. Comparez-les, puis confirmez ou rejetez avec un motif. Confirmer rattache tous les dossiers de la première personne à la seconde ; la décision peut être annulée.',
  none: 'Aucune proposition en attente.',
  candidate: 'Proposition',
  proposedBy: 'Proposée par la règle',
  trait: 'Trait',
  record: 'Dossier',
  agrees: 'Concorde',
  yes: 'oui',
  no: 'non',
  agency: 'Structure',
  recordId: 'Dossier sur la plateforme',
  name: 'Nom',
  birthDate: 'Date de naissance',
  gender: 'Sexe',
  identifiers: 'Identifiants',
  address: 'Adresse',
  members: 'Dossiers de cette personne',
  reason: 'Motif',
  confirm: 'Confirmer : même personne',
  reject: 'Rejeter : personnes différentes',
  undo: 'Annuler cette décision',
  reasons: {
    'documents-checked': 'pièces d’identité vérifiées',
    'agency-confirmed': 'confirmé par les structures',
    'demographics-match': 'traits d’identité concordants sans doute possible',
    'different-person': 'personnes différentes',
    'family-member': 'membres d’une même famille (jumeaux, parent et enfant)',
    'insufficient-evidence': 'éléments insuffisants pour décider',
  },
  done: {
    confirm: 'Confirmé : dossiers rattachés',
    reject: 'Rejeté : aucun dossier déplacé',
    undo: 'Annulé : dossiers de nouveau séparés',
  },
  missingRecord: '(dossier supprimé ou indisponible)',
};

export const IDENTITY_TEXTS = { en, fr };
/** Reasons an operator may give, as codes: the audit trail records the code, never free text. */
export const CONFIRM_REASONS = ['documents-checked', 'agency-confirmed', 'demographics-match'] as const;
export const REJECT_REASONS = ['different-person', 'family-member', 'insufficient-evidence'] as const;
export type ReviewReason = (typeof CONFIRM_REASONS)[number] | (typeof REJECT_REASONS)[number];
