import type { CodeableConcept, DiagnosticReport, Observation, Quantity, Reference } from 'fhir/r4';
import type { ConditionInfo, EncounterInfo, RecordLinks } from './clinical';
import { timeDuring } from './clinical';
import { concept, type RecordContext, securityMeta } from './context';
import {
  ABNORMAL_WITH,
  LAB_TESTS,
  type LabKey,
  PANELS,
  PANELS_FOR_CONDITION,
  ROUTINE_PANELS,
  THEME_TESTS,
  type TestDefinition,
  VITAL_ORDER,
  type VitalDefinition,
  type VitalKey,
  VITALS,
} from './lab-tests';
import type { Sex } from './names';
import { type Random, round } from './random';
import { LOINC, UCUM } from './terminology';
import { HOUR_MS, MINUTE_MS } from './time';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const CATEGORIES = {
  'vital-signs': concept({ system: CATEGORY, code: 'vital-signs', display: 'Vital Signs' }),
  laboratory: concept({ system: CATEGORY, code: 'laboratory', display: 'Laboratory' }),
  survey: concept({ system: CATEGORY, code: 'survey', display: 'Survey' }),
} as const;

const UNIT_DISPLAY: Readonly<Record<string, string>> = {
  'umol/L': 'µmol/L',
  Cel: '°C',
  '10*3/uL': '10³/µL',
  'm[IU]/L': 'mIU/L',
  '{score}': 'score',
  '{copies}/mL': 'copies/mL',
};

export function quantity(value: number, unit: string): Quantity {
  return { value, unit: UNIT_DISPLAY[unit] ?? unit, system: UCUM, code: unit };
}

/** A result the discharge summary may quote. */
export interface LabLine {
  readonly encounter: EncounterInfo;
  readonly label: Readonly<Record<'fr' | 'en', string>>;
}

export interface ObservationOutput {
  readonly observations: Observation[];
  readonly reports: DiagnosticReport[];
  readonly labLines: LabLine[];
}

export interface ObservationCounts {
  readonly observations: number;
  readonly reports: number;
}

interface Body {
  readonly heightCm: number;
  readonly weightKg: number;
}

function bodyOf(rng: Random, age: number, sex: Sex, obese: boolean): Body {
  const adult = sex === 'male' ? rng.int(164, 191) : rng.int(151, 177);
  const heightCm =
    age >= 18 ? adult : Math.min(adult, Math.round(age < 2 ? 50 + 25 * age : 75 + 6.2 * (age - 2)));
  const bmi = obese
    ? rng.decimal(31, 38, 1)
    : age < 18
      ? rng.decimal(14.5, 20, 1)
      : rng.decimal(19.5, 29.5, 1);
  return { heightCm, weightKg: round(bmi * (heightCm / 100) ** 2, 1) };
}

export function generateObservations(
  ctx: RecordContext,
  counts: ObservationCounts,
  sex: Sex,
  encounters: readonly EncounterInfo[],
  conditions: readonly ConditionInfo[],
  links: RecordLinks,
): ObservationOutput {
  const rng = ctx.rng.fork('observations');
  const codes = new Set(conditions.map((c) => c.term.code));
  const observations: Observation[] = [];
  const base = (
    def: VitalDefinition | TestDefinition,
    category: CodeableConcept,
    encounter: EncounterInfo,
    at: number,
  ) => {
    const resource: Observation = {
      resourceType: 'Observation',
      identifier: [ctx.nextIdentifier('observation')],
      status: 'final',
      category: [category],
      code: concept(
        { system: LOINC, code: def.code, display: def.display },
        ctx.language === 'fr' ? def.fr : def.display,
      ),
      subject: links.patient,
      encounter: encounter.ref,
      effectiveDateTime: ctx.dateTime(at),
    };
    observations.push(resource);
    return resource;
  };
  const add = (resource: Observation): Reference => ctx.add(resource);
  const clinical = encounters.filter((e) => e.kind !== 'VR');
  const sampled = clinical.length > 0 ? clinical : encounters;

  // The sensitive topic's own measure (PHQ-9 score, HIV viral load).
  const themed = ctx.theme !== undefined && counts.observations > 0 ? 1 : 0;
  if (ctx.theme !== undefined && themed === 1) {
    const encounter = rng.pick(sampled);
    const def = THEME_TESTS[ctx.theme];
    const resource = base(
      def,
      ctx.theme === 'PSY' ? CATEGORIES.survey : CATEGORIES.laboratory,
      encounter,
      timeDuring(ctx, encounter, 20),
    );
    resource.valueQuantity =
      ctx.theme === 'PSY'
        ? quantity(rng.int(4, 22), def.unit)
        : rng.chance(0.8)
          ? { ...quantity(20, def.unit), comparator: '<' }
          : quantity(rng.int(50, 900), def.unit);
    resource.meta = securityMeta(ctx.theme, false);
    add(resource);
  }

  // Lab panels: those the conditions call for, then routine ones.
  const preferred = conditions.flatMap((c) => PANELS_FOR_CONDITION[c.term.code] ?? []);
  const panelKeys = [...new Set([...preferred, ...rng.shuffle(ROUTINE_PANELS)])];
  const remaining = counts.observations - themed;
  const reportPanels = Array.from(
    { length: counts.reports },
    (_, i) => PANELS[panelKeys[i % panelKeys.length]],
  );
  let labBudget =
    counts.reports === 0 ? 0 : Math.min(remaining, Math.max(counts.reports, Math.floor(remaining * 0.55)));
  const sizes = reportPanels.map(() => 0);
  for (let pass = 0; labBudget > 0 && pass < 8; pass++) {
    for (let i = 0; i < sizes.length && labBudget > 0; i++) {
      if (sizes[i] < reportPanels[i].tests.length) {
        sizes[i]++;
        labBudget--;
      }
    }
  }
  const labCount = sizes.reduce((sum, n) => sum + n, 0);

  // Vital signs, spread over the encounters: blood pressure and heart rate at every visit.
  const body = bodyOf(rng, ctx.age, sex, codes.has('414916001'));
  const vitalCount = remaining - labCount;
  const slots = Array.from({ length: vitalCount }, (_, k) => ({
    encounter: sampled[sampled.length - 1 - (k % sampled.length)],
    key: VITAL_ORDER[Math.floor(k / sampled.length) % VITAL_ORDER.length],
    round: Math.floor(k / (sampled.length * VITAL_ORDER.length)),
  })).sort((a, b) => a.encounter.start - b.encounter.start);
  for (const slot of slots) {
    const at = Math.min(slot.encounter.end, slot.encounter.start + (5 + 60 * slot.round) * MINUTE_MS);
    const resource = base(VITALS[slot.key], CATEGORIES['vital-signs'], slot.encounter, at);
    setVital(resource, slot.key, rng, ctx.age, body, codes, slot.encounter);
    resource.performer = [links.practitioner];
    add(resource);
  }

  const labLines: LabLine[] = [];
  const reports = reportPanels.map((panel, i) => {
    const encounter = rng.pick(sampled);
    const drawn = timeDuring(ctx, encounter, 90);
    const issued = drawn + rng.int(2, 8) * HOUR_MS + rng.int(0, 59) * MINUTE_MS;
    const results: Reference[] = [];
    const abnormal: string[] = [];
    for (const key of panel.tests.slice(0, sizes[i])) {
      const def = LAB_TESTS[key][ctx.country];
      const resource = base(def, CATEGORIES.laboratory, encounter, drawn);
      const value = labValue(rng, key, def, codes);
      resource.issued = ctx.dateTime(issued);
      resource.valueQuantity = quantity(value, def.unit);
      resource.performer = [links.organization];
      const flag = value < (def.low ?? -Infinity) ? 'L' : value > (def.high ?? Infinity) ? 'H' : 'N';
      resource.interpretation = [
        concept({ system: INTERPRETATION, code: flag, display: { L: 'Low', H: 'High', N: 'Normal' }[flag] }),
      ];
      const range = referenceRange(def);
      if (range !== undefined) resource.referenceRange = [range];
      if (flag !== 'N') abnormal.push(ctx.language === 'fr' ? def.fr : def.display);
      const unit = quantity(value, def.unit).unit ?? def.unit;
      labLines.push({
        encounter,
        label: {
          fr: `${def.fr} : ${String(value).replace('.', ',')} ${unit}`,
          en: `${def.display}: ${value} ${unit}`,
        },
      });
      results.push(add(resource));
    }
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      identifier: [ctx.nextIdentifier('diagnostic-report')],
      status: 'final',
      category: [
        concept({
          system: 'http://terminology.hl7.org/CodeSystem/v2-0074',
          code: 'LAB',
          display: 'Laboratory',
        }),
      ],
      code: concept(
        { system: LOINC, code: panel.code, display: panel.display },
        ctx.language === 'fr' ? panel.fr : panel.display,
      ),
      subject: links.patient,
      encounter: encounter.ref,
      effectiveDateTime: ctx.dateTime(drawn),
      issued: ctx.dateTime(issued),
      performer: [links.organization],
      resultsInterpreter: [links.practitioner],
    };
    if (results.length > 0) {
      report.result = results;
      report.conclusion = conclusion(ctx.language, abnormal);
    }
    return report;
  });
  for (const report of reports) ctx.add(report);
  return { observations, reports, labLines };
}

function conclusion(language: 'fr' | 'en', abnormal: readonly string[]): string {
  if (abnormal.length === 0)
    return language === 'fr'
      ? 'Résultats dans les valeurs de référence.'
      : 'Results within reference ranges.';
  return language === 'fr'
    ? `Valeurs hors normes : ${abnormal.join(', ')}.`
    : `Results outside reference ranges: ${abnormal.join(', ')}.`;
}

function referenceRange(def: TestDefinition): { low?: Quantity; high?: Quantity } | undefined {
  if (def.low === undefined && def.high === undefined) return undefined;
  const range: { low?: Quantity; high?: Quantity } = {};
  if (def.low !== undefined) range.low = quantity(def.low, def.unit);
  if (def.high !== undefined) range.high = quantity(def.high, def.unit);
  return range;
}

function labValue(rng: Random, key: LabKey, def: TestDefinition, conditions: ReadonlySet<string>): number {
  const abnormal = (ABNORMAL_WITH[key] ?? []).some((code) => conditions.has(code));
  if (abnormal && def.high !== undefined) return rng.decimal(def.high * 1.05, def.high * 1.6, def.decimals);
  return rng.decimal(def.min, def.max, def.decimals);
}

function setVital(
  resource: Observation,
  key: VitalKey,
  rng: Random,
  age: number,
  body: Body,
  conditions: ReadonlySet<string>,
  encounter: EncounterInfo,
): void {
  const child = age < 12;
  switch (key) {
    case 'bloodPressure': {
      const hypertensive = conditions.has('38341003');
      const systolic = hypertensive ? rng.int(138, 172) : child ? rng.int(90, 115) : rng.int(105, 136);
      const diastolic = Math.min(systolic - 25, hypertensive ? rng.int(84, 102) : rng.int(58, 86));
      resource.component = [
        { code: vitalCode(VITALS.systolic), valueQuantity: quantity(systolic, 'mm[Hg]') },
        { code: vitalCode(VITALS.diastolic), valueQuantity: quantity(diastolic, 'mm[Hg]') },
      ];
      return;
    }
    case 'heartRate':
      resource.valueQuantity = quantity(child ? rng.int(80, 125) : rng.int(56, 96), '/min');
      return;
    case 'weight':
      resource.valueQuantity = quantity(round(body.weightKg * rng.decimal(0.97, 1.03, 3), 1), 'kg');
      return;
    case 'temperature': {
      const fever = encounter.kind === 'EMER' && rng.chance(0.3);
      resource.valueQuantity = quantity(
        fever ? rng.decimal(38.1, 39.6, 1) : rng.decimal(36.2, 37.5, 1),
        'Cel',
      );
      return;
    }
    case 'oxygen':
      resource.valueQuantity = quantity(conditions.has('13645005') ? rng.int(89, 95) : rng.int(95, 100), '%');
      return;
    case 'respiratoryRate':
      resource.valueQuantity = quantity(child ? rng.int(18, 30) : rng.int(12, 20), '/min');
      return;
    case 'height':
      resource.valueQuantity = quantity(body.heightCm, 'cm');
      return;
    case 'bmi':
      resource.valueQuantity = quantity(round(body.weightKg / (body.heightCm / 100) ** 2, 1), 'kg/m2');
      return;
  }
}

function vitalCode(def: VitalDefinition): CodeableConcept {
  return concept({ system: LOINC, code: def.code, display: def.display });
}
