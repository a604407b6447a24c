import { CARE_EN } from './care-en';
import { GROUPED_EN } from './grouped-en';
import type { LetterStrings } from './types';

function joinEn(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export const EN: LetterStrings = {
  locale: 'en-GB',
  colon: ': ',
  date: 'Date',
  reference: 'Reference',
  phone: 'Phone',
  email: 'Email',
  page: (page, of) => `Page ${page} of ${of}`,
  greeting: (name) => `Dear ${name},`,
  signOff: 'Yours sincerely,',
  team: (service) => `The ${service} team`,
  nothingRecorded: 'Nothing recorded.',
  unknownDate: 'date unknown',
  unknown: 'not given',
  listJoin: joinEn,
  footer: {
    contact: (c) =>
      `Contact us: ${[c.phone && `${c.phone}${c.hours ? ` (${c.hours})` : ''}`, c.email, c.address]
        .filter(Boolean)
        .join(' · ')}.`,
    object:
      'You can object to your health information being shared between the services that care for you: ' +
      'call or write to us, quoting this letter’s reference.',
    largePrint: (isLargePrint) =>
      isLargePrint
        ? 'This letter is in large print. To get it in standard print, contact us.'
        : 'You can get this letter in large print: ask us by phone or by post.',
  },
  summary: {
    title: 'A summary of your health record',
    intro: (service) =>
      `You asked us what the health services that care for you have recorded about you and shared through ` +
      `${service}. Here is that summary. For each item we say who recorded it and when.`,
    sections: {
      allergies: 'Your allergies',
      problems: 'Your health problems',
      medications: 'Your medicines',
      immunizations: 'Your vaccinations',
      procedures: 'Your operations and procedures',
      results: 'Your recent test results',
      encounters: 'Your recent appointments and hospital stays',
    },
    recordedBy: (agency) => `recorded by ${agency}`,
    dated: (date, precision) => (precision === 'day' ? `on ${date}` : `in ${date}`),
    correction:
      'If something looks wrong, tell the service that recorded it, or contact us and we will pass your ' +
      'request on.',
  },
  breakGlass: {
    title: 'A health professional looked at your record in an emergency',
    intro: (when, who) =>
      `On ${when}, ${who} looked at your shared health record in an emergency. ` +
      `This was allowed because the situation was declared urgent, even though your sharing choices ` +
      `did not allow it. We tell you about every emergency access.`,
    byPractitioner: (practitioner, agency) => `${practitioner} (${agency})`,
    reasonLabel: 'The reason given',
    noReason: 'No reason was given.',
    seenLabel: 'What was looked at',
    nothingSeen: 'No information was shown.',
    whatYouCanDo: 'What you can do',
    actions: (reference) => [
      'If this looks right to you, you do not need to do anything.',
      `If you think it was not justified, contact us quoting reference ${reference}. ` +
        'We will check with the service involved and reply in writing.',
      'You can also complain to the CNIL, the French data protection authority (www.cnil.fr).',
    ],
  },
  accessReport: {
    title: 'Who looked at your health record',
    intro: (start, end) =>
      `Here is every time your shared health record was looked at between ${start} and ${end}. ` +
      `Looks on the same day, by the same service and for the same reason, are grouped together.`,
    columns: { when: 'Date', who: 'Who', what: 'What', why: 'Why' },
    breakGlass: 'EMERGENCY',
    breakGlassNote:
      'Lines marked EMERGENCY are emergency accesses: they were allowed even though your sharing ' +
      'choices did not allow them.',
    none: 'Nobody looked at your record during this period.',
    times: (count) => (count > 1 ? `${count} times` : ''),
    question: (reference) => `If anything looks wrong, contact us quoting reference ${reference}.`,
  },
  consentChange: {
    title: 'Your sharing choices have been recorded',
    intro: (action, when, by) =>
      ({
        created: `On ${when}, ${by} recorded your sharing choices. Here they are.`,
        updated: `On ${when}, ${by} changed your sharing choices. Here are your new choices.`,
        withdrawn: `On ${when}, ${by} withdrew your sharing choices. The rules below no longer apply.`,
      })[action],
    rule: (index, decision) => `Rule ${index}: you ${decision === 'permit' ? 'allow' : 'refuse'} sharing`,
    who: 'With whom',
    what: 'What information',
    why: 'What for',
    when: 'When',
    everyone: 'every health service',
    allData: 'all your information',
    anyPurpose: 'any reason',
    always: 'with no end date',
    from: (date) => `from ${date}`,
    until: (date) => `until ${date}`,
    between: (start, end) => `from ${start} to ${end}`,
    agencyKinds: {
      hospital: 'every hospital',
      gp: 'every GP practice',
      specialist: 'every specialist clinic',
    },
    noRules: 'No particular rules: the service’s usual rules apply.',
    notYou: (reference) =>
      `If you did not ask for this change, contact us quickly quoting reference ${reference}.`,
  },
  consentForm: {
    title: 'Form: your sharing choices',
    intro:
      'Choose who your health information is shared with: tick, date, sign (nothing is recorded without your ' +
      'signature) and post this page back to us.',
    name: 'Name',
    code: 'Form code',
    returnBy: (date) => `Please return it before ${date}.`,
    returnTo: (address) => `Return address: ${address}.`,
    sharingHeading: '1. Sharing with the services that care for you',
    sharingHelp:
      'At most one box per line. "I agree": these services can see your information to care for you. ' +
      '"I refuse": they cannot. With no box ticked, nothing changes for that line.',
    agree: 'I agree',
    refuse: 'I refuse',
    kinds: {
      hospital: 'Hospitals',
      gp: 'GP practices',
      specialist: 'Specialist clinics',
    },
    sensitiveHeading: '2. Sensitive information',
    sensitiveHelp:
      'Shared only if you tick: tick for each service that may see it to care for you (not one whose sharing ' +
      'you refuse above).',
    categories: {
      'mental-health': 'Mental health and psychiatric care',
      hiv: 'HIV',
      'sexual-health': 'Sexual health and sexually transmitted infections',
      'substance-use': 'Alcohol, drug or medicine addiction',
      genetics: 'Genetic conditions',
      violence: 'Violence or abuse you suffered',
    },
    signature: 'Signature',
    date: 'Date (dd / mm / yyyy)',
    attached:
      'You can change these choices by post: fill in the form with this letter and send it back to us.',
  },
  consentFormRecorded: {
    title: 'We have recorded your sharing choices',
    intro: (when, formLetter) =>
      `On ${when}, we recorded the choices of the form you signed and sent back (letter ${formLetter}). ` +
      'Here they are.',
    sharingHeading: 'Sharing with the services that care for you',
    sharing: (decision) =>
      decision === 'permit'
        ? 'you agree, to care for you'
        : decision === 'deny'
          ? 'you refuse'
          : 'no choice: the usual rules apply',
    sensitiveHeading: 'Sensitive information: who may see it',
    kinds: { hospital: 'hospitals', gp: 'GP practices', specialist: 'specialist clinics' },
    nobody: 'nobody',
    replaces: 'These choices replace those of any form you sent back before.',
    notYou: (reference) =>
      `If these are not your choices, fill in the new form with this letter, or contact us quoting the ` +
      `reference ${reference}.`,
  },
  ...CARE_EN,
  ...GROUPED_EN,
  clinician: {
    title: 'Patient summary',
    patient: 'Patient',
    born: 'Born',
    identifier: 'Identifier',
    generated: 'Generated',
    source: 'Source',
    status: 'Status',
    sectionTitles: {
      allergies: 'Allergies and intolerances',
      problems: 'Problem list',
      medications: 'Medication',
      immunizations: 'Immunizations',
      procedures: 'Procedures',
      results: 'Results',
      encounters: 'Encounters',
    },
  },
  dataClasses: {
    Patient: 'your identity and contact details',
    AllergyIntolerance: 'your allergies',
    Condition: 'your health problems',
    MedicationStatement: 'your medicines',
    MedicationRequest: 'your prescriptions',
    Medication: 'your medicines',
    Immunization: 'your vaccinations',
    Procedure: 'your operations and procedures',
    Observation: 'your test results',
    DiagnosticReport: 'your test reports',
    Encounter: 'your appointments and stays',
    DocumentReference: 'your documents',
    Composition: 'the summary of your record',
    Consent: 'your sharing choices',
    ServiceRequest: 'requests for tests or care',
    CarePlan: 'your care plans',
    summary: 'the summary of your record',
    MH: 'your mental health',
    PSY: 'your psychiatric care',
    HIV: 'HIV',
    SEX: 'your sexual and reproductive health',
    STD: 'sexually transmitted infections',
    SUD: 'addictions',
    ETH: 'addictions',
    GDIS: 'genetic conditions',
    SDV: 'violence or abuse you suffered',
    R: 'very confidential information',
    V: 'very confidential information',
  },
  otherData: (code) => `other information (${code})`,
  purposes: {
    TREAT: 'your care',
    ETREAT: 'emergency care',
    HPAYMT: 'paying for your care',
    HOPERAT: 'running the health services',
    HRESCH: 'research',
    PUBHLTH: 'public health',
    PATRQT: 'your own request',
  },
  otherPurpose: (code) => `another reason (${code})`,
  statuses: {
    active: 'current',
    recurrence: 'come back',
    relapse: 'relapse',
    inactive: 'inactive',
    remission: 'in remission',
    resolved: 'resolved',
    completed: 'finished',
    stopped: 'stopped',
    'on-hold': 'on hold',
    intended: 'planned',
    'not-done': 'not done',
    'entered-in-error': 'entered in error',
    unconfirmed: 'not confirmed',
    provisional: 'provisional',
    confirmed: 'confirmed',
    refuted: 'ruled out',
  },
};
