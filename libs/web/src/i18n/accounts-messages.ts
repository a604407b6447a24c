/** The accounts page's texts (kept apart from messages.ts, which would grow too long). */
const en = {
  title: 'Accounts',
  list: 'People who log in',
  username: 'Username',
  name: 'Name',
  kind: 'Kind',
  kinds: { operator: 'operator', clinician: 'clinician' },
  rolesOrAgency: 'Roles or agency',
  state: 'State',
  states: { active: 'active', locked: 'locked', disabled: 'disabled' },
  actions: 'Actions',
  disable: 'Disable',
  enable: 'Enable',
  unlock: 'Unlock',
  newPassword: 'New password',
  create: 'Add an account',
  createHelp:
    'The password is generated and shown once, here: hand it to the person, who should not have to write it down anywhere else.',
  roles: 'Roles (operators)',
  roleNames: {
    admin: 'admin (overview, accounts)',
    mailroom: 'mailroom',
    'identity-review': 'identity review',
  },
  agency: 'Agency (clinicians)',
  practitioner: 'Practitioner identifier (clinicians)',
  practitionerHint: 'system|value, e.g. https://rpps.esante.gouv.fr|10101010101',
  add: 'Add the account',
  passwordOnce: 'Password for',
  passwordOnceAfter: '(shown this once; the hub keeps only its hash):',
  done: 'Done:',
};

export type AccountsMessages = typeof en;

const fr: AccountsMessages = {
  title: 'Comptes',
  list: 'Personnes qui se connectent',
  username: 'Identifiant',
  name: 'Nom',
  kind: 'Type',
  kinds: { operator: 'exploitant', clinician: 'soignant' },
  rolesOrAgency: 'Rôles ou structure',
  state: 'État',
  states: { active: 'actif', locked: 'bloqué', disabled: 'désactivé' },
  actions: 'Actions',
  disable: 'Désactiver',
  enable: 'Réactiver',
  unlock: 'Débloquer',
  newPassword: 'Nouveau mot de passe',
  create: 'Ajouter un compte',
  createHelp: 'Le mot de passe est généré et affiché une seule fois, ici : remettez-le à la personne.',
  roles: 'Rôles (exploitants)',
  roleNames: {
    admin: 'administration (vue d’ensemble, comptes)',
    mailroom: 'service courrier',
    'identity-review': 'rapprochement d’identités',
  },
  agency: 'Structure (soignants)',
  practitioner: 'Identifiant du professionnel (soignants)',
  practitionerHint: 'système|valeur, par exemple https://rpps.esante.gouv.fr|10101010101',
  add: 'Ajouter le compte',
  passwordOnce: 'Mot de passe de',
  passwordOnceAfter: '(affiché cette seule fois ; la plateforme n’en garde que l’empreinte) :',
  done: 'Fait :',
};

export const ACCOUNTS_TEXTS = { en, fr };
