import type { Country } from './types';

/**
 * LOINC vital signs and laboratory tests with UCUM units. French laboratories report glucose
 * and lipids in g/L, British ones in mmol/L: the code follows the unit (mass or substance
 * concentration), as LOINC requires.
 */

export interface TestDefinition {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  /** UCUM code. */
  readonly unit: string;
  /** Reference range, when the laboratory prints one. */
  readonly low?: number;
  readonly high?: number;
  /** Range the generated values are drawn from (abnormal values included). */
  readonly min: number;
  readonly max: number;
  readonly decimals: number;
}

type Variants = Readonly<Record<Country, TestDefinition>>;

function same(test: TestDefinition): Variants {
  return { FR: test, GB: test };
}

export type LabKey =
  | 'hemoglobin'
  | 'leukocytes'
  | 'platelets'
  | 'sodium'
  | 'potassium'
  | 'creatinine'
  | 'glucose'
  | 'cholesterol'
  | 'hdl'
  | 'triglycerides'
  | 'alt'
  | 'ast'
  | 'bilirubin'
  | 'hba1c'
  | 'tsh'
  | 'crp';

// prettier-ignore
export const LAB_TESTS: Readonly<Record<LabKey, Variants>> = {
  hemoglobin: {
    FR: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', fr: 'Hémoglobine', unit: 'g/dL', low: 12, high: 17, min: 10.5, max: 17.5, decimals: 1 },
    GB: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', fr: 'Hémoglobine', unit: 'g/L', low: 120, high: 170, min: 105, max: 175, decimals: 0 },
  },
  leukocytes: same({ code: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count', fr: 'Leucocytes', unit: '10*3/uL', low: 4, high: 10, min: 3.5, max: 12.5, decimals: 1 }),
  platelets: same({ code: '777-3', display: 'Platelets [#/volume] in Blood by Automated count', fr: 'Plaquettes', unit: '10*3/uL', low: 150, high: 400, min: 130, max: 420, decimals: 0 }),
  sodium: same({ code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', fr: 'Sodium', unit: 'mmol/L', low: 136, high: 145, min: 133, max: 146, decimals: 0 }),
  potassium: same({ code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', fr: 'Potassium', unit: 'mmol/L', low: 3.5, high: 5.1, min: 3.3, max: 5.4, decimals: 1 }),
  creatinine: same({ code: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma', fr: 'Créatinine', unit: 'umol/L', low: 45, high: 110, min: 50, max: 125, decimals: 0 }),
  glucose: {
    FR: { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', fr: 'Glycémie', unit: 'g/L', low: 0.7, high: 1.1, min: 0.72, max: 1.2, decimals: 2 },
    GB: { code: '14749-6', display: 'Glucose [Moles/volume] in Serum or Plasma', fr: 'Glycémie', unit: 'mmol/L', low: 3.9, high: 6.1, min: 4, max: 6.6, decimals: 1 },
  },
  cholesterol: {
    FR: { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', fr: 'Cholestérol total', unit: 'g/L', high: 2, min: 1.5, max: 2.6, decimals: 2 },
    GB: { code: '14647-2', display: 'Cholesterol [Moles/volume] in Serum or Plasma', fr: 'Cholestérol total', unit: 'mmol/L', high: 5, min: 3.8, max: 6.8, decimals: 1 },
  },
  hdl: {
    FR: { code: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', fr: 'Cholestérol HDL', unit: 'g/L', low: 0.4, min: 0.35, max: 0.8, decimals: 2 },
    GB: { code: '14646-4', display: 'Cholesterol in HDL [Moles/volume] in Serum or Plasma', fr: 'Cholestérol HDL', unit: 'mmol/L', low: 1, min: 0.9, max: 2.1, decimals: 1 },
  },
  triglycerides: {
    FR: { code: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', fr: 'Triglycérides', unit: 'g/L', high: 1.5, min: 0.5, max: 2.2, decimals: 2 },
    GB: { code: '14927-8', display: 'Triglyceride [Moles/volume] in Serum or Plasma', fr: 'Triglycérides', unit: 'mmol/L', high: 1.7, min: 0.6, max: 2.5, decimals: 1 },
  },
  alt: same({ code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', fr: 'ALAT', unit: 'U/L', low: 7, high: 45, min: 10, max: 60, decimals: 0 }),
  ast: same({ code: '1920-8', display: 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', fr: 'ASAT', unit: 'U/L', low: 8, high: 40, min: 12, max: 52, decimals: 0 }),
  bilirubin: same({ code: '14631-6', display: 'Bilirubin.total [Moles/volume] in Serum or Plasma', fr: 'Bilirubine totale', unit: 'umol/L', high: 21, min: 4, max: 24, decimals: 0 }),
  hba1c: {
    FR: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', fr: 'Hémoglobine glyquée (HbA1c)', unit: '%', high: 6, min: 4.8, max: 6.2, decimals: 1 },
    GB: { code: '59261-8', display: 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol', fr: 'Hémoglobine glyquée (HbA1c)', unit: 'mmol/mol', high: 42, min: 29, max: 44, decimals: 0 },
  },
  tsh: same({ code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma', fr: 'TSH', unit: 'm[IU]/L', low: 0.4, high: 4, min: 0.5, max: 5.5, decimals: 2 }),
  crp: same({ code: '1988-5', display: 'C reactive protein [Mass/volume] in Serum or Plasma', fr: 'Protéine C réactive', unit: 'mg/L', high: 5, min: 0.5, max: 12, decimals: 1 }),
};

export interface PanelDefinition {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  readonly tests: readonly LabKey[];
}

// prettier-ignore
export const PANELS: Readonly<Record<string, PanelDefinition>> = {
  cbc: { code: '58410-2', display: 'CBC panel - Blood by Automated count', fr: 'Numération formule sanguine', tests: ['hemoglobin', 'leukocytes', 'platelets'] },
  bmp: { code: '51990-0', display: 'Basic metabolic panel - Blood', fr: 'Ionogramme sanguin, créatinine et glycémie', tests: ['sodium', 'potassium', 'creatinine', 'glucose'] },
  lipids: { code: '24331-1', display: 'Lipid 1996 panel - Serum or Plasma', fr: 'Bilan lipidique', tests: ['cholesterol', 'hdl', 'triglycerides'] },
  liver: { code: '24325-3', display: 'Hepatic function panel - Serum or Plasma', fr: 'Bilan hépatique', tests: ['alt', 'ast', 'bilirubin'] },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', fr: 'Hémoglobine glyquée (HbA1c)', tests: ['hba1c'] },
  tsh: { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma', fr: 'TSH', tests: ['tsh'] },
  crp: { code: '1988-5', display: 'C reactive protein [Mass/volume] in Serum or Plasma', fr: 'Protéine C réactive', tests: ['crp'] },
};

/** Panels a condition calls for, by SNOMED code: diabetes is followed by HbA1c, and so on. */
export const PANELS_FOR_CONDITION: Readonly<Record<string, readonly string[]>> = {
  '44054006': ['hba1c', 'bmp'],
  '40930008': ['tsh'],
  '55822004': ['lipids'],
  '53741008': ['lipids'],
  '709044004': ['bmp'],
  '69896004': ['crp', 'liver'],
};

export const ROUTINE_PANELS: readonly string[] = ['cbc', 'bmp', 'lipids', 'liver', 'crp'];

/** Conditions that push a result out of range, by SNOMED code. */
export const ABNORMAL_WITH: Readonly<Partial<Record<LabKey, readonly string[]>>> = {
  glucose: ['44054006'],
  hba1c: ['44054006'],
  cholesterol: ['55822004', '53741008'],
  creatinine: ['709044004'],
  tsh: ['40930008'],
  crp: ['69896004'],
};

export interface VitalDefinition {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  readonly unit: string;
}

// prettier-ignore
export const VITALS = {
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional', fr: 'Pression artérielle', unit: 'mm[Hg]' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', fr: 'Pression artérielle systolique', unit: 'mm[Hg]' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', fr: 'Pression artérielle diastolique', unit: 'mm[Hg]' },
  heartRate: { code: '8867-4', display: 'Heart rate', fr: 'Fréquence cardiaque', unit: '/min' },
  weight: { code: '29463-7', display: 'Body weight', fr: 'Poids', unit: 'kg' },
  temperature: { code: '8310-5', display: 'Body temperature', fr: 'Température corporelle', unit: 'Cel' },
  oxygen: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', fr: 'Saturation en oxygène', unit: '%' },
  respiratoryRate: { code: '9279-1', display: 'Respiratory rate', fr: 'Fréquence respiratoire', unit: '/min' },
  height: { code: '8302-2', display: 'Body height', fr: 'Taille', unit: 'cm' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', fr: 'Indice de masse corporelle', unit: 'kg/m2' },
} as const satisfies Record<string, VitalDefinition>;

export type VitalKey = Exclude<keyof typeof VITALS, 'systolic' | 'diastolic'>;

/** The order in which a clinician takes vital signs: the first ones are taken every time. */
export const VITAL_ORDER: readonly VitalKey[] = [
  'bloodPressure',
  'heartRate',
  'weight',
  'temperature',
  'oxygen',
  'respiratoryRate',
  'height',
  'bmi',
];

// prettier-ignore
export const THEME_TESTS = {
  PSY: { code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]', fr: 'Score PHQ-9', unit: '{score}' },
  HIV: { code: '20447-9', display: 'HIV 1 RNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection', fr: 'Charge virale VIH-1', unit: '{copies}/mL' },
} as const satisfies Record<string, VitalDefinition>;
