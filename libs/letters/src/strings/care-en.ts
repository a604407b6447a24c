import type { LetterStrings } from './types';

/** Appointments and medicines, in English: short sentences, no medical jargon. */
export const CARE_EN: Pick<LetterStrings, 'appointment' | 'medicines'> = {
  appointment: {
    title: (change) =>
      change === 'booked'
        ? 'Your appointment'
        : change === 'moved'
          ? 'Your appointment has moved'
          : 'Your appointment is cancelled',
    intro: (change, agency) =>
      change === 'booked'
        ? `${agency} has booked an appointment for you. Here is what you need to know.`
        : change === 'moved'
          ? `${agency} has moved your appointment to a new time. Please go at the new time below.`
          : `${agency} has cancelled your appointment. Do not go to it.`,
    previously: (when) => `It was on ${when}. That time no longer holds.`,
    when: 'When',
    until: (time) => `until ${time}`,
    where: 'Where',
    directions: 'How to get there',
    withWhom: 'Who you will see',
    what: 'What it is for',
    bring: 'What to bring and how to get ready',
    change: 'If you cannot come',
    howToChange: (agency, phone) =>
      phone
        ? `Call ${agency} on ${phone} as soon as you can, to change or cancel it.`
        : `Contact ${agency} as soon as you can, to change or cancel it. You can also call us.`,
    cancelledNote: 'If you want a new appointment, contact the service that booked it.',
    late: 'If this letter reaches you after the date, the service will phone you.',
  },
  medicines: {
    title: 'Your medicines',
    intro: (from) =>
      from
        ? `You have left ${from}. Here are the medicines you should take now.`
        : 'Your long-term medicines have changed. Here are the medicines you should take now.',
    current: 'The medicines you take now',
    none: 'No medicine is recorded for you now.',
    dose: 'How much',
    when: 'When',
    prescriber: 'Prescribed by',
    started: 'New',
    changed: 'Changed',
    stoppedHeading: 'Medicines you should stop',
    stopped: (name, by) => (by ? `${name} (stopped by ${by})` : name),
    noChange: 'No medicine was stopped since our last letter.',
    first: 'This is the first list of your medicines we send you.',
    withheld: (reference) =>
      'Some of your medicines are not listed here, to protect your privacy: anyone at home could open this ' +
      'letter. Your doctor or pharmacist can give you the full list. If you want it by post, call us ' +
      `quoting reference ${reference}.`,
    advice:
      'Do not stop or change a medicine without asking your doctor or pharmacist. Keep this letter and show ' +
      'it to any doctor, nurse or pharmacist you see.',
  },
};
