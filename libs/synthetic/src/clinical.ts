import type { AllergyIntolerance, Condition, Encounter, Procedure, Reference } from 'fhir/r4';
import { concept, type RecordContext, securityMeta } from './context';
import { dayNumber, formatDay } from './random';
import {
  ALLERGIES,
  CONDITIONS,
  type ConditionTerm,
  ENCOUNTER_CLASSES,
  ENCOUNTER_TYPES,
  type EncounterKind,
  NO_KNOWN_ALLERGY,
  PROCEDURES,
  type ProcedureTerm,
  SNOMED,
  THEME_CONDITIONS,
} from './terminology';
import { addDays, addYears, DAY_MS, HOUR_MS, localTime, MINUTE_MS, REFERENCE_DATE } from './time';

/** References every clinical resource carries. */
export interface RecordLinks {
  readonly patient: Reference;
  readonly practitioner: Reference;
  readonly organization: Reference;
}

export interface EncounterInfo {
  readonly ref: Reference;
  readonly kind: EncounterKind;
  readonly start: number;
  end: number;
  readonly resource: Encounter;
}

export interface ConditionInfo {
  readonly ref: Reference;
  readonly term: ConditionTerm;
  readonly encounter: EncounterInfo;
  readonly resource: Condition;
}

const ATTENDER = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
      code: 'ATND',
      display: 'attender',
    },
  ],
};

/** Encounters over the last five years (or since birth), oldest first. */
export function generateEncounters(
  ctx: RecordContext,
  count: number,
  links: RecordLinks,
  ambulatoryOnly: boolean,
): EncounterInfo[] {
  const rng = ctx.rng.fork('encounters');
  const from = Math.max(dayNumber(addDays(ctx.birthDate, 1)), dayNumber(addYears(REFERENCE_DATE, -5)));
  const to = Math.max(from, dayNumber(REFERENCE_DATE) - 12);
  const days = Array.from({ length: count }, () => rng.int(from, to)).sort((a, b) => a - b);
  const kinds: EncounterKind[] = days.map(() =>
    ambulatoryOnly
      ? rng.weighted<EncounterKind>([
          ['AMB', 4],
          ['VR', 1],
        ])
      : rng.weighted<EncounterKind>([
          ['AMB', 5],
          ['EMER', 2],
          ['IMP', 1],
          ['VR', 1],
        ]),
  );
  // A hospital record has at least one stay: the discharge summary is written for it.
  if (!ambulatoryOnly && !kinds.includes('IMP')) kinds[rng.int(0, count - 1)] = 'IMP';
  const limit = localTime(REFERENCE_DATE, 23, 0, ctx.country);

  return days.map((day, i) => {
    const kind = kinds[i];
    const date = formatDay(day);
    const start =
      kind === 'EMER'
        ? localTime(date, rng.int(0, 22), rng.int(0, 59), ctx.country)
        : localTime(date, rng.int(8, 17), rng.pick([0, 15, 30, 45]), ctx.country);
    let end: number;
    if (kind === 'IMP') {
      const discharge = addDays(date, rng.int(1, 9));
      end = localTime(discharge, rng.int(10, 16), rng.pick([0, 30]), ctx.country);
    } else {
      end = start + (kind === 'EMER' ? rng.int(120, 540) : rng.int(15, 40)) * MINUTE_MS;
    }
    end = Math.min(end, Math.max(limit, start + 15 * MINUTE_MS));
    const [code, display, fr] = rng.pick(ENCOUNTER_TYPES[kind]);
    const resource: Encounter = {
      resourceType: 'Encounter',
      identifier: [ctx.nextIdentifier('encounter')],
      status: 'finished',
      class: { ...ENCOUNTER_CLASSES[kind] },
      type: [ctx.snomed(code, display, fr)],
      subject: links.patient,
      participant: [{ type: [ATTENDER], individual: links.practitioner }],
      period: { start: ctx.dateTime(start), end: ctx.dateTime(end) },
      serviceProvider: links.organization,
    };
    if (kind === 'IMP') {
      resource.hospitalization = {
        dischargeDisposition: concept({
          system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition',
          code: 'home',
          display: 'Home',
        }),
      };
    }
    return { ref: ctx.add(resource), kind, start, end, resource };
  });
}

/** Stretches an encounter so that what happened during it fits in its period. */
export function extendEncounter(ctx: RecordContext, encounter: EncounterInfo, until: number): void {
  if (until <= encounter.end) return;
  encounter.end = until;
  encounter.resource.period = { ...encounter.resource.period, end: ctx.dateTime(until) };
}

/** A time during the encounter, `minutes` after its start at most. */
export function timeDuring(ctx: RecordContext, encounter: EncounterInfo, maxMinutes: number): number {
  const span = Math.max(0, Math.min(maxMinutes, Math.floor((encounter.end - encounter.start) / MINUTE_MS)));
  return encounter.start + ctx.rng.int(0, span) * MINUTE_MS;
}

export function generateConditions(
  ctx: RecordContext,
  count: number,
  encounters: readonly EncounterInfo[],
  links: RecordLinks,
): ConditionInfo[] {
  const rng = ctx.rng.fork('conditions');
  const eligible = CONDITIONS.filter((term) => term.minAge <= ctx.age);
  const terms: ConditionTerm[] = [];
  if (ctx.theme !== undefined) terms.push(rng.pick(THEME_CONDITIONS[ctx.theme]));
  terms.push(...rng.sample(eligible, count - terms.length));
  // More conditions than terms: the same acute complaint again, as happens.
  const acute = eligible.filter((term) => !term.chronic);
  while (terms.length < count) terms.push(rng.pick(acute.length > 0 ? acute : eligible));

  return terms.map((term) => {
    // Heart attacks and strokes come through the emergency department; sore throats do not.
    const serious = term.code === '22298006' || term.code === '230690007';
    const preferred = encounters.filter((e) =>
      serious ? e.kind === 'IMP' || e.kind === 'EMER' : term.chronic ? e.kind !== 'VR' : e.kind !== 'IMP',
    );
    const encounter = rng.pick(preferred.length > 0 ? preferred : encounters);
    const encounterDate = ctx.date(encounter.start);
    const birth = dayNumber(ctx.birthDate);
    let onset: string;
    let abatement: string | undefined;
    if (term.chronic) {
      const earliest = Math.max(
        birth,
        dayNumber(addYears(ctx.birthDate, term.minAge)),
        dayNumber(addYears(REFERENCE_DATE, -25)),
      );
      onset = formatDay(rng.int(Math.min(earliest, dayNumber(encounterDate)), dayNumber(encounterDate)));
    } else {
      onset = formatDay(Math.max(birth, dayNumber(encounterDate) - rng.int(0, 4)));
      const end = addDays(encounterDate, rng.int(5, 20));
      if (end < REFERENCE_DATE) abatement = end;
      if (encounter.resource.reasonCode === undefined)
        encounter.resource.reasonCode = [ctx.snomed(term.code, term.display, term.fr)];
    }
    const resource: Condition = {
      resourceType: 'Condition',
      identifier: [ctx.nextIdentifier('condition')],
      clinicalStatus: concept({
        system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
        code: abatement === undefined ? 'active' : 'resolved',
      }),
      verificationStatus: concept({
        system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
        code: 'confirmed',
      }),
      category: [
        concept(
          term.chronic
            ? {
                system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                code: 'problem-list-item',
                display: 'Problem List Item',
              }
            : {
                system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                code: 'encounter-diagnosis',
                display: 'Encounter Diagnosis',
              },
        ),
      ],
      code: ctx.snomed(term.code, term.display, term.fr),
      subject: links.patient,
      encounter: encounter.ref,
      onsetDateTime: onset,
      recordedDate: ctx.dateTime(encounter.start + 10 * MINUTE_MS),
      recorder: links.practitioner,
    };
    if (abatement !== undefined) resource.abatementDateTime = abatement;
    if (term.theme !== undefined) resource.meta = securityMeta(term.theme, false);
    return { ref: ctx.add(resource), term, encounter, resource };
  });
}

export function generateAllergies(
  ctx: RecordContext,
  count: number,
  encounters: readonly EncounterInfo[],
  links: RecordLinks,
): AllergyIntolerance[] {
  const rng = ctx.rng.fork('allergies');
  const status = {
    clinicalStatus: concept({
      system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
      code: 'active',
    }),
    verificationStatus: concept({
      system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
      code: 'confirmed',
    }),
  };
  if (count === 1 && rng.chance(0.3)) {
    const encounter = rng.pick(encounters);
    const resource: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      identifier: [ctx.nextIdentifier('allergy')],
      ...status,
      code: ctx.snomed(NO_KNOWN_ALLERGY.code, NO_KNOWN_ALLERGY.display, NO_KNOWN_ALLERGY.fr),
      patient: links.patient,
      encounter: encounter.ref,
      recordedDate: ctx.dateTime(encounter.start + 5 * MINUTE_MS),
      recorder: links.practitioner,
    };
    ctx.add(resource);
    return [resource];
  }
  const terms = rng.shuffle(ALLERGIES);
  return Array.from({ length: count }, (_, i) => {
    const term = terms[i % terms.length];
    const encounter = rng.pick(encounters);
    const resource: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      identifier: [ctx.nextIdentifier('allergy')],
      ...status,
      type: 'allergy',
      category: [term.category],
      criticality: term.criticality,
      code: ctx.snomed(term.code, term.display, term.fr),
      patient: links.patient,
      encounter: encounter.ref,
      recordedDate: ctx.dateTime(encounter.start + 5 * MINUTE_MS),
      recorder: links.practitioner,
      reaction: [
        {
          manifestation: [concept({ system: SNOMED, code: term.reaction[0], display: term.reaction[1] })],
          severity: term.criticality === 'high' ? 'severe' : 'mild',
        },
      ],
    };
    ctx.add(resource);
    return resource;
  });
}

export interface ProcedureInfo {
  readonly term: ProcedureTerm;
  readonly encounter: EncounterInfo;
  readonly resource: Procedure;
}

export function generateProcedures(
  ctx: RecordContext,
  count: number,
  encounters: readonly EncounterInfo[],
  links: RecordLinks,
): ProcedureInfo[] {
  const rng = ctx.rng.fork('procedures');
  const eligible = PROCEDURES.filter((term) => term.minAge <= ctx.age);
  const terms = rng.shuffle(eligible.length > 0 ? eligible : PROCEDURES);
  const used = new Map<EncounterInfo, number>();
  return Array.from({ length: count }, (_, i) => {
    const term = terms[i % terms.length];
    // Operations happen during a stay; tests and scopes anywhere but on the phone.
    const stays = encounters.filter((e) => (term.minutes >= 60 ? e.kind === 'IMP' : e.kind !== 'VR'));
    const candidates = stays.length > 0 ? stays : encounters;
    // One operation per stay where there are enough stays.
    const fewest = Math.min(...candidates.map((e) => used.get(e) ?? 0));
    const encounter = rng.pick(candidates.filter((e) => (used.get(e) ?? 0) === fewest));
    used.set(encounter, fewest + 1);
    const start =
      encounter.kind === 'IMP'
        ? Math.min(encounter.start + rng.int(2, 20) * HOUR_MS, encounter.end - DAY_MS / 4)
        : encounter.start + 5 * MINUTE_MS;
    const begin = Math.max(encounter.start, start);
    const end = begin + term.minutes * MINUTE_MS;
    extendEncounter(ctx, encounter, end + 5 * MINUTE_MS);
    const resource: Procedure = {
      resourceType: 'Procedure',
      identifier: [ctx.nextIdentifier('procedure')],
      status: 'completed',
      code: ctx.snomed(term.code, term.display, term.fr),
      subject: links.patient,
      encounter: encounter.ref,
      performedPeriod: { start: ctx.dateTime(begin), end: ctx.dateTime(end) },
      recorder: links.practitioner,
      performer: [{ actor: links.practitioner }],
    };
    ctx.add(resource);
    return { term, encounter, resource };
  });
}
