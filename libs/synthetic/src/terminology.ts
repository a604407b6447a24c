import type { Coding } from 'fhir/r4';
import type { SensitiveTheme } from './types';

/**
 * A small hand-picked slice of SNOMED CT, ATC and HL7 code systems: enough variety for tests
 * and demos, each code with its usual English display and a French label for French records.
 */

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const ATC = 'http://www.whocc.no/atc';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

export interface ConditionTerm {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  readonly minAge: number;
  /** Chronic conditions stay active; the others resolved. */
  readonly chronic: boolean;
  /** Keys of MEDICATIONS that treat it. */
  readonly treatments: readonly string[];
  readonly theme?: SensitiveTheme;
}

// prettier-ignore
export const CONDITIONS: readonly ConditionTerm[] = [
  { code: '38341003', display: 'Hypertensive disorder, systemic arterial', fr: 'Hypertension artérielle', minAge: 30, chronic: true, treatments: ['ramipril', 'amlodipine', 'bisoprolol'] },
  { code: '44054006', display: 'Diabetes mellitus type 2', fr: 'Diabète de type 2', minAge: 30, chronic: true, treatments: ['metformin', 'insulin-glargine'] },
  { code: '195967001', display: 'Asthma', fr: 'Asthme', minAge: 3, chronic: true, treatments: ['salbutamol'] },
  { code: '13645005', display: 'Chronic obstructive lung disease', fr: 'Bronchopneumopathie chronique obstructive', minAge: 45, chronic: true, treatments: ['tiotropium', 'salbutamol'] },
  { code: '55822004', display: 'Hyperlipidemia', fr: 'Hyperlipidémie', minAge: 30, chronic: true, treatments: ['atorvastatin'] },
  { code: '49436004', display: 'Atrial fibrillation', fr: 'Fibrillation atriale', minAge: 50, chronic: true, treatments: ['apixaban', 'bisoprolol'] },
  { code: '53741008', display: 'Coronary arteriosclerosis', fr: 'Maladie coronarienne', minAge: 45, chronic: true, treatments: ['aspirin', 'atorvastatin'] },
  { code: '40930008', display: 'Hypothyroidism', fr: 'Hypothyroïdie', minAge: 18, chronic: true, treatments: ['levothyroxine'] },
  { code: '235595009', display: 'Gastroesophageal reflux disease', fr: 'Reflux gastro-œsophagien', minAge: 12, chronic: true, treatments: ['omeprazole'] },
  { code: '69896004', display: 'Rheumatoid arthritis', fr: 'Polyarthrite rhumatoïde', minAge: 25, chronic: true, treatments: ['hydroxychloroquine'] },
  { code: '396275006', display: 'Osteoarthritis', fr: 'Arthrose', minAge: 45, chronic: true, treatments: ['paracetamol'] },
  { code: '709044004', display: 'Chronic kidney disease', fr: 'Maladie rénale chronique', minAge: 40, chronic: true, treatments: [] },
  { code: '37796009', display: 'Migraine', fr: 'Migraine', minAge: 12, chronic: true, treatments: ['sumatriptan'] },
  { code: '414916001', display: 'Obesity', fr: 'Obésité', minAge: 12, chronic: true, treatments: [] },
  { code: '68566005', display: 'Urinary tract infectious disease', fr: 'Infection urinaire', minAge: 2, chronic: false, treatments: ['nitrofurantoin'] },
  { code: '444814009', display: 'Viral sinusitis', fr: 'Sinusite virale', minAge: 2, chronic: false, treatments: ['paracetamol'] },
  { code: '10509002', display: 'Acute bronchitis', fr: 'Bronchite aiguë', minAge: 0, chronic: false, treatments: ['paracetamol'] },
  { code: '43878008', display: 'Streptococcal sore throat', fr: 'Angine à streptocoque', minAge: 3, chronic: false, treatments: ['amoxicillin'] },
  { code: '22298006', display: 'Myocardial infarction', fr: 'Infarctus du myocarde', minAge: 45, chronic: false, treatments: ['aspirin', 'atorvastatin'] },
  { code: '230690007', display: 'Cerebrovascular accident', fr: 'Accident vasculaire cérébral', minAge: 55, chronic: false, treatments: ['aspirin'] },
];

/** Conditions of a sensitive record; their resources carry security labels. */
// prettier-ignore
export const THEME_CONDITIONS: Readonly<Record<SensitiveTheme, readonly ConditionTerm[]>> = {
  PSY: [
    { code: '35489007', display: 'Depressive disorder', fr: 'Trouble dépressif', minAge: 12, chronic: true, treatments: ['sertraline'], theme: 'PSY' },
    { code: '197480006', display: 'Anxiety disorder', fr: 'Trouble anxieux', minAge: 12, chronic: true, treatments: ['escitalopram'], theme: 'PSY' },
  ],
  HIV: [
    { code: '86406008', display: 'Human immunodeficiency virus infection', fr: 'Infection par le VIH', minAge: 0, chronic: true, treatments: ['dolutegravir', 'emtricitabine-tenofovir'], theme: 'HIV' },
  ],
};

export interface MedicationTerm {
  readonly atc: string;
  readonly atcDisplay: string;
  /** SNOMED CT substance, added on UK records. */
  readonly snomed?: readonly [code: string, display: string];
  readonly fr: string;
  readonly en: string;
  readonly dose: number;
  /** UCUM code of the dose unit. */
  readonly unit: string;
  readonly perDay: number;
  readonly route: 'oral' | 'inhaled' | 'subcutaneous';
  readonly asNeeded?: boolean;
  /** A course of this many days rather than a long-term treatment. */
  readonly courseDays?: number;
}

// prettier-ignore
export const MEDICATIONS: Readonly<Record<string, MedicationTerm>> = {
  metformin: { atc: 'A10BA02', atcDisplay: 'metformin', snomed: ['372567009', 'Metformin'], fr: 'Metformine 1000 mg, comprimé pelliculé', en: 'Metformin 1000 mg tablets', dose: 1000, unit: 'mg', perDay: 2, route: 'oral' },
  'insulin-glargine': { atc: 'A10AE04', atcDisplay: 'insulin glargine', fr: 'Insuline glargine 100 unités/mL, stylo prérempli', en: 'Insulin glargine 100 units/mL pre-filled pen', dose: 20, unit: '[IU]', perDay: 1, route: 'subcutaneous' },
  ramipril: { atc: 'C09AA05', atcDisplay: 'ramipril', snomed: ['386872004', 'Ramipril'], fr: 'Ramipril 5 mg, comprimé', en: 'Ramipril 5 mg tablets', dose: 5, unit: 'mg', perDay: 1, route: 'oral' },
  amlodipine: { atc: 'C08CA01', atcDisplay: 'amlodipine', snomed: ['386864001', 'Amlodipine'], fr: 'Amlodipine 5 mg, gélule', en: 'Amlodipine 5 mg tablets', dose: 5, unit: 'mg', perDay: 1, route: 'oral' },
  bisoprolol: { atc: 'C07AB07', atcDisplay: 'bisoprolol', snomed: ['386868003', 'Bisoprolol'], fr: 'Bisoprolol 2,5 mg, comprimé', en: 'Bisoprolol 2.5 mg tablets', dose: 2.5, unit: 'mg', perDay: 1, route: 'oral' },
  atorvastatin: { atc: 'C10AA05', atcDisplay: 'atorvastatin', snomed: ['373444002', 'Atorvastatin'], fr: 'Atorvastatine 20 mg, comprimé pelliculé', en: 'Atorvastatin 20 mg tablets', dose: 20, unit: 'mg', perDay: 1, route: 'oral' },
  aspirin: { atc: 'B01AC06', atcDisplay: 'acetylsalicylic acid', snomed: ['387458008', 'Aspirin'], fr: 'Acide acétylsalicylique 75 mg, poudre en sachet', en: 'Aspirin 75 mg dispersible tablets', dose: 75, unit: 'mg', perDay: 1, route: 'oral' },
  apixaban: { atc: 'B01AF02', atcDisplay: 'apixaban', fr: 'Apixaban 5 mg, comprimé pelliculé', en: 'Apixaban 5 mg tablets', dose: 5, unit: 'mg', perDay: 2, route: 'oral' },
  salbutamol: { atc: 'R03AC02', atcDisplay: 'salbutamol', snomed: ['372897005', 'Salbutamol'], fr: 'Salbutamol 100 microgrammes/dose, suspension pour inhalation', en: 'Salbutamol 100 micrograms/dose inhaler', dose: 100, unit: 'ug', perDay: 4, route: 'inhaled', asNeeded: true },
  tiotropium: { atc: 'R03BB04', atcDisplay: 'tiotropium bromide', fr: 'Tiotropium 18 microgrammes, poudre pour inhalation', en: 'Tiotropium 18 micrograms inhalation powder capsules', dose: 18, unit: 'ug', perDay: 1, route: 'inhaled' },
  levothyroxine: { atc: 'H03AA01', atcDisplay: 'levothyroxine sodium', snomed: ['710809001', 'Levothyroxine'], fr: 'Lévothyroxine sodique 75 microgrammes, comprimé', en: 'Levothyroxine sodium 75 microgram tablets', dose: 75, unit: 'ug', perDay: 1, route: 'oral' },
  omeprazole: { atc: 'A02BC01', atcDisplay: 'omeprazole', snomed: ['387137007', 'Omeprazole'], fr: 'Oméprazole 20 mg, gélule gastro-résistante', en: 'Omeprazole 20 mg gastro-resistant capsules', dose: 20, unit: 'mg', perDay: 1, route: 'oral' },
  hydroxychloroquine: { atc: 'P01BA02', atcDisplay: 'hydroxychloroquine', fr: 'Hydroxychloroquine 200 mg, comprimé pelliculé', en: 'Hydroxychloroquine 200 mg tablets', dose: 200, unit: 'mg', perDay: 2, route: 'oral' },
  paracetamol: { atc: 'N02BE01', atcDisplay: 'paracetamol', snomed: ['387517004', 'Paracetamol'], fr: 'Paracétamol 1 g, comprimé', en: 'Paracetamol 500 mg tablets', dose: 1000, unit: 'mg', perDay: 3, route: 'oral', asNeeded: true },
  sumatriptan: { atc: 'N02CC01', atcDisplay: 'sumatriptan', fr: 'Sumatriptan 50 mg, comprimé', en: 'Sumatriptan 50 mg tablets', dose: 50, unit: 'mg', perDay: 1, route: 'oral', asNeeded: true },
  amoxicillin: { atc: 'J01CA04', atcDisplay: 'amoxicillin', snomed: ['372687004', 'Amoxicillin'], fr: 'Amoxicilline 1 g, comprimé dispersible', en: 'Amoxicillin 500 mg capsules', dose: 1000, unit: 'mg', perDay: 3, route: 'oral', courseDays: 7 },
  nitrofurantoin: { atc: 'J01XE01', atcDisplay: 'nitrofurantoin', fr: 'Nitrofurantoïne 50 mg, gélule', en: 'Nitrofurantoin 100 mg modified-release capsules', dose: 100, unit: 'mg', perDay: 2, route: 'oral', courseDays: 5 },
  sertraline: { atc: 'N06AB06', atcDisplay: 'sertraline', snomed: ['372594008', 'Sertraline'], fr: 'Sertraline 50 mg, gélule', en: 'Sertraline 50 mg tablets', dose: 50, unit: 'mg', perDay: 1, route: 'oral' },
  escitalopram: { atc: 'N06AB10', atcDisplay: 'escitalopram', fr: 'Escitalopram 10 mg, comprimé pelliculé', en: 'Escitalopram 10 mg tablets', dose: 10, unit: 'mg', perDay: 1, route: 'oral' },
  dolutegravir: { atc: 'J05AX12', atcDisplay: 'dolutegravir', fr: 'Dolutégravir 50 mg, comprimé pelliculé', en: 'Dolutegravir 50 mg tablets', dose: 50, unit: 'mg', perDay: 1, route: 'oral' },
  'emtricitabine-tenofovir': { atc: 'J05AR03', atcDisplay: 'tenofovir disoproxil and emtricitabine', fr: 'Emtricitabine/ténofovir disoproxil 200 mg/245 mg, comprimé pelliculé', en: 'Emtricitabine 200 mg / tenofovir disoproxil 245 mg tablets', dose: 1, unit: '{tablet}', perDay: 1, route: 'oral' },
};

/** Treatments for minor complaints, when no recorded condition calls for one. */
export const ACUTE_MEDICATIONS: readonly string[] = ['paracetamol', 'amoxicillin'];

export const ROUTES: Readonly<Record<MedicationTerm['route'], Coding>> = {
  oral: { system: SNOMED, code: '26643006', display: 'Oral route' },
  inhaled: { system: SNOMED, code: '447694001', display: 'Respiratory tract route' },
  subcutaneous: { system: SNOMED, code: '34206005', display: 'Subcutaneous route' },
};

export interface AllergyTerm {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  readonly category: 'food' | 'medication' | 'environment';
  readonly criticality: 'low' | 'high';
  readonly reaction: readonly [code: string, display: string];
}

// prettier-ignore
export const ALLERGIES: readonly AllergyTerm[] = [
  { code: '91936005', display: 'Allergy to penicillin', fr: 'Allergie à la pénicilline', category: 'medication', criticality: 'high', reaction: ['271807003', 'Eruption of skin'] },
  { code: '91935009', display: 'Allergy to peanut', fr: 'Allergie à l’arachide', category: 'food', criticality: 'high', reaction: ['39579001', 'Anaphylaxis'] },
  { code: '300916003', display: 'Latex allergy', fr: 'Allergie au latex', category: 'environment', criticality: 'low', reaction: ['247472004', 'Wheal'] },
  { code: '232350006', display: 'House dust mite allergy', fr: 'Allergie aux acariens', category: 'environment', criticality: 'low', reaction: ['61582004', 'Allergic rhinitis'] },
  { code: '418689008', display: 'Allergy to grass pollen', fr: 'Allergie aux pollens de graminées', category: 'environment', criticality: 'low', reaction: ['61582004', 'Allergic rhinitis'] },
  { code: '424213003', display: 'Allergy to bee venom', fr: 'Allergie au venin d’abeille', category: 'environment', criticality: 'high', reaction: ['39579001', 'Anaphylaxis'] },
];

export const NO_KNOWN_ALLERGY = {
  code: '716186003',
  display: 'No known allergy',
  fr: 'Pas d’allergie connue',
} as const;

export interface VaccineTerm {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  readonly minAge: number;
  readonly maxAge: number;
}

// prettier-ignore
export const VACCINES: readonly VaccineTerm[] = [
  { code: '1181000221105', display: 'Influenza virus antigen only vaccine product', fr: 'Vaccin contre la grippe saisonnière', minAge: 0, maxAge: 120 },
  { code: '1119349007', display: 'SARS-CoV-2 mRNA vaccine', fr: 'Vaccin à ARNm contre la COVID-19', minAge: 5, maxAge: 120 },
  { code: '836398006', display: 'Streptococcus pneumoniae antigen-containing vaccine product', fr: 'Vaccin pneumococcique', minAge: 0, maxAge: 120 },
  { code: '871831003', display: 'Measles and mumps and rubella vaccine', fr: 'Vaccin rougeole-oreillons-rubéole', minAge: 0, maxAge: 30 },
  { code: '871878002', display: 'Diphtheria and pertussis and poliomyelitis and tetanus vaccine', fr: 'Vaccin diphtérie-tétanos-coqueluche-poliomyélite', minAge: 0, maxAge: 120 },
];

export interface ProcedureTerm {
  readonly code: string;
  readonly display: string;
  readonly fr: string;
  readonly minAge: number;
  /** Minutes it takes. */
  readonly minutes: number;
}

// prettier-ignore
export const PROCEDURES: readonly ProcedureTerm[] = [
  { code: '80146002', display: 'Appendectomy', fr: 'Appendicectomie', minAge: 5, minutes: 60 },
  { code: '38102005', display: 'Cholecystectomy', fr: 'Cholécystectomie', minAge: 18, minutes: 90 },
  { code: '73761001', display: 'Colonoscopy', fr: 'Coloscopie', minAge: 40, minutes: 40 },
  { code: '29303009', display: 'Electrocardiographic procedure', fr: 'Électrocardiogramme', minAge: 0, minutes: 10 },
  { code: '399208008', display: 'Plain chest X-ray', fr: 'Radiographie thoracique', minAge: 0, minutes: 15 },
  { code: '52734007', display: 'Total replacement of hip', fr: 'Prothèse totale de hanche', minAge: 55, minutes: 120 },
  { code: '54885007', display: 'Extraction of cataract', fr: 'Chirurgie de la cataracte', minAge: 55, minutes: 30 },
  { code: '415070008', display: 'Percutaneous coronary intervention', fr: 'Angioplastie coronaire', minAge: 45, minutes: 90 },
];

export type EncounterKind = 'AMB' | 'EMER' | 'IMP' | 'VR';

export const ENCOUNTER_CLASSES: Readonly<Record<EncounterKind, Coding>> = {
  AMB: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
  EMER: { system: ACT_CODE, code: 'EMER', display: 'emergency' },
  IMP: { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
  VR: { system: ACT_CODE, code: 'VR', display: 'virtual' },
};

// prettier-ignore
export const ENCOUNTER_TYPES: Readonly<Record<EncounterKind, readonly (readonly [code: string, display: string, fr: string])[]>> = {
  AMB: [
    ['185349003', 'Encounter for check up', 'Consultation de suivi'],
    ['11429006', 'Consultation', 'Consultation'],
    ['390906007', 'Follow-up encounter', 'Consultation de contrôle'],
    ['185347001', 'Encounter for problem', 'Consultation pour un problème de santé'],
  ],
  EMER: [['50849002', 'Emergency hospital admission', 'Passage aux urgences']],
  IMP: [['32485007', 'Hospital admission', 'Hospitalisation']],
  VR: [['11429006', 'Consultation', 'Téléconsultation']],
};

export const SECURITY_LABELS: Readonly<Record<SensitiveTheme | 'R', Coding>> = {
  PSY: { system: ACT_CODE, code: 'PSY', display: 'psychiatry information sensitivity' },
  HIV: { system: ACT_CODE, code: 'HIV', display: 'HIV/AIDS information sensitivity' },
  R: { system: CONFIDENTIALITY, code: 'R', display: 'restricted' },
};
