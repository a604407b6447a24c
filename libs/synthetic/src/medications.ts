import type {
  CodeableConcept,
  Coding,
  Dosage,
  Immunization,
  MedicationRequest,
  MedicationStatement,
} from 'fhir/r4';
import type { ConditionInfo, EncounterInfo, RecordLinks } from './clinical';
import { concept, type RecordContext, securityMeta } from './context';
import { dayNumber, formatDay } from './random';
import {
  ACUTE_MEDICATIONS,
  ATC,
  MEDICATIONS,
  type MedicationTerm,
  ROUTES,
  SNOMED,
  UCUM,
  VACCINES,
} from './terminology';
import { addDays, ageOn, localTime, MINUTE_MS, REFERENCE_DATE } from './time';

export interface MedicationInfo {
  readonly term: MedicationTerm;
  readonly condition: ConditionInfo | undefined;
  readonly encounter: EncounterInfo;
  readonly active: boolean;
}

interface Treatment {
  readonly key: string;
  readonly condition: ConditionInfo | undefined;
}

const UNIT_DISPLAY: Readonly<Record<string, string>> = { ug: 'µg', '[IU]': 'IU', '{tablet}': 'tablet' };
const FRENCH_UNIT: Readonly<Record<string, string>> = { '{tablet}': 'comprimé' };
const ENGLISH_FREQUENCY = ['', 'once a day', 'twice a day', 'three times a day', 'four times a day'];

/** Treatments of the recorded conditions, the sensitive one first; minor remedies if there are none. */
function treatments(conditions: readonly ConditionInfo[]): Treatment[] {
  const ordered = [...conditions].sort(
    (a, b) => Number(b.term.theme !== undefined) - Number(a.term.theme !== undefined),
  );
  const list: Treatment[] = [];
  const seen = new Set<string>();
  for (const condition of ordered) {
    for (const key of condition.term.treatments) {
      if (seen.has(key)) continue;
      seen.add(key);
      list.push({ key, condition });
    }
  }
  if (list.length === 0) for (const key of ACUTE_MEDICATIONS) list.push({ key, condition: undefined });
  return list;
}

export function medicationConcept(ctx: RecordContext, term: MedicationTerm): CodeableConcept {
  const coding: Coding[] = [{ system: ATC, code: term.atc, display: term.atcDisplay }];
  if (ctx.country === 'GB' && term.snomed !== undefined) {
    coding.push({ system: SNOMED, code: term.snomed[0], display: term.snomed[1] });
  }
  return { coding, text: ctx.language === 'fr' ? term.fr : term.en };
}

export function dosageText(ctx: RecordContext, term: MedicationTerm): string {
  const unit = UNIT_DISPLAY[term.unit] ?? term.unit;
  if (ctx.language === 'fr') {
    const dose = `${String(term.dose).replace('.', ',')} ${FRENCH_UNIT[term.unit] ?? unit}`;
    return [
      `${dose}, ${term.perDay} fois par jour`,
      term.asNeeded === true ? ' si besoin' : '',
      term.courseDays !== undefined ? ` pendant ${term.courseDays} jours` : '',
    ].join('');
  }
  return [
    `${term.dose} ${unit} ${ENGLISH_FREQUENCY[term.perDay] ?? `${term.perDay} times a day`}`,
    term.asNeeded === true ? ' when required' : '',
    term.courseDays !== undefined ? ` for ${term.courseDays} days` : '',
  ].join('');
}

function dosage(ctx: RecordContext, term: MedicationTerm): Dosage {
  const result: Dosage = {
    text: dosageText(ctx, term),
    timing: { repeat: { frequency: term.perDay, period: 1, periodUnit: 'd' } },
    route: concept({ ...ROUTES[term.route] }),
    doseAndRate: [
      {
        doseQuantity: {
          value: term.dose,
          unit: UNIT_DISPLAY[term.unit] ?? term.unit,
          system: UCUM,
          code: term.unit,
        },
      },
    ],
  };
  if (term.courseDays !== undefined && result.timing?.repeat !== undefined) {
    result.timing.repeat.boundsDuration = { value: term.courseDays, unit: 'days', system: UCUM, code: 'd' };
  }
  if (term.asNeeded === true) result.asNeededBoolean = true;
  return result;
}

function encounterFor(
  ctx: RecordContext,
  treatment: Treatment,
  encounters: readonly EncounterInfo[],
  i: number,
): EncounterInfo {
  const condition = treatment.condition;
  if (condition !== undefined && !condition.term.chronic) return condition.encounter;
  // Long-term treatments are renewed: spread the prescriptions over the encounters.
  return encounters[(i + ctx.rng.int(0, encounters.length - 1)) % encounters.length];
}

export function generateMedicationRequests(
  ctx: RecordContext,
  count: number,
  conditions: readonly ConditionInfo[],
  encounters: readonly EncounterInfo[],
  links: RecordLinks,
): MedicationInfo[] {
  const list = treatments(conditions);
  const requests = Array.from({ length: count }, (_, i) => {
    const treatment = list[i % list.length];
    const term = MEDICATIONS[treatment.key];
    const encounter = encounterFor(ctx, treatment, encounters, i);
    const authored = Math.min(encounter.end, encounter.start + 20 * MINUTE_MS);
    const resource: MedicationRequest = {
      resourceType: 'MedicationRequest',
      identifier: [ctx.nextIdentifier('medication-request')],
      status: 'active',
      intent: 'order',
      category: [
        concept({
          system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
          code: encounter.kind === 'IMP' ? 'inpatient' : 'outpatient',
          display: encounter.kind === 'IMP' ? 'Inpatient' : 'Outpatient',
        }),
      ],
      medicationCodeableConcept: medicationConcept(ctx, term),
      subject: links.patient,
      encounter: encounter.ref,
      authoredOn: ctx.dateTime(authored),
      requester: links.practitioner,
      dosageInstruction: [dosage(ctx, term)],
      dispenseRequest:
        term.courseDays === undefined
          ? {
              numberOfRepeatsAllowed: 2,
              expectedSupplyDuration: { value: 28, unit: 'days', system: UCUM, code: 'd' },
            }
          : { expectedSupplyDuration: { value: term.courseDays, unit: 'days', system: UCUM, code: 'd' } },
    };
    if (treatment.condition !== undefined) resource.reasonReference = [treatment.condition.ref];
    if (treatment.condition?.term.theme !== undefined)
      resource.meta = securityMeta(treatment.condition.term.theme, false);
    return { treatment, term, encounter, authored, resource };
  });
  // Only the latest prescription of a medicine is current; a finished course is completed.
  const latest = new Map<string, number>();
  for (const r of requests)
    latest.set(r.treatment.key, Math.max(latest.get(r.treatment.key) ?? 0, r.authored));
  const today = localTime(REFERENCE_DATE, 0, 0, ctx.country);
  for (const r of requests) {
    const courseOver = r.term.courseDays !== undefined && r.authored + r.term.courseDays * 86_400_000 < today;
    if (courseOver || r.authored < (latest.get(r.treatment.key) ?? 0)) r.resource.status = 'completed';
    ctx.add(r.resource);
  }
  return requests.map((r) => ({
    term: r.term,
    condition: r.treatment.condition,
    encounter: r.encounter,
    active: r.resource.status === 'active',
  }));
}

export function generateMedicationStatements(
  ctx: RecordContext,
  count: number,
  conditions: readonly ConditionInfo[],
  encounters: readonly EncounterInfo[],
  links: RecordLinks,
): MedicationStatement[] {
  const rng = ctx.rng.fork('medication-statements');
  const list = treatments(conditions);
  return Array.from({ length: count }, (_, i) => {
    const treatment = list[i % list.length];
    const term = MEDICATIONS[treatment.key];
    const encounter = rng.pick(encounters);
    const assertedDate = ctx.date(encounter.start);
    const started = treatment.condition?.resource.onsetDateTime ?? addDays(assertedDate, -rng.int(5, 60));
    const startDay = Math.min(
      dayNumber(assertedDate),
      Math.max(dayNumber(started), dayNumber(ctx.birthDate)),
    );
    const resource: MedicationStatement = {
      resourceType: 'MedicationStatement',
      identifier: [ctx.nextIdentifier('medication-statement')],
      status: term.courseDays === undefined ? 'active' : 'completed',
      medicationCodeableConcept: medicationConcept(ctx, term),
      subject: links.patient,
      context: encounter.ref,
      effectivePeriod:
        term.courseDays === undefined
          ? { start: formatDay(startDay) }
          : {
              start: formatDay(startDay),
              end: formatDay(Math.min(dayNumber(assertedDate), startDay + term.courseDays)),
            },
      dateAsserted: ctx.dateTime(encounter.start + 5 * MINUTE_MS),
      informationSource: links.patient,
      dosage: [dosage(ctx, term)],
    };
    if (treatment.condition !== undefined) resource.reasonReference = [treatment.condition.ref];
    if (treatment.condition?.term.theme !== undefined)
      resource.meta = securityMeta(treatment.condition.term.theme, false);
    ctx.add(resource);
    return resource;
  });
}

export function generateImmunizations(ctx: RecordContext, count: number, links: RecordLinks): Immunization[] {
  const rng = ctx.rng.fork('immunizations');
  const birth = dayNumber(ctx.birthDate);
  const today = dayNumber(REFERENCE_DATE);
  const from = Math.min(today, Math.max(birth + 60, today - 8 * 365));
  const days = Array.from({ length: count }, () => rng.int(from, today - 1 >= from ? today - 1 : from)).sort(
    (a, b) => a - b,
  );
  return days.map((day) => {
    const date = formatDay(day);
    const age = ageOn(ctx.birthDate, date);
    const eligible = VACCINES.filter((v) => v.minAge <= age && age <= v.maxAge);
    const vaccine = rng.pick(eligible.length > 0 ? eligible : VACCINES);
    const at = localTime(date, rng.int(8, 17), rng.pick([0, 10, 20, 30, 40, 50]), ctx.country);
    const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
    const lot = `${rng.pick([...letters])}${rng.pick([...letters])}${rng.digits(4)}`;
    const resource: Immunization = {
      resourceType: 'Immunization',
      identifier: [ctx.nextIdentifier('immunization')],
      status: 'completed',
      vaccineCode: ctx.snomed(vaccine.code, vaccine.display, vaccine.fr),
      patient: links.patient,
      occurrenceDateTime: ctx.dateTime(at),
      recorded: ctx.dateTime(at + 10 * MINUTE_MS),
      primarySource: true,
      lotNumber: lot,
      expirationDate: formatDay(day + rng.int(90, 400)),
      site: concept({
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActSite',
        code: 'LA',
        display: 'left arm',
      }),
      route: concept({
        system: 'http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration',
        code: 'IM',
        display: 'Injection, intramuscular',
      }),
      doseQuantity: { value: 0.5, unit: 'mL', system: UCUM, code: 'mL' },
      performer: [
        {
          function: concept({
            system: 'http://terminology.hl7.org/CodeSystem/v2-0443',
            code: 'AP',
            display: 'Administering Provider',
          }),
          actor: links.practitioner,
        },
      ],
    };
    ctx.add(resource);
    return resource;
  });
}
