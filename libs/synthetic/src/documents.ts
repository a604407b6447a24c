import { createHash } from 'node:crypto';
import type { DocumentReference, Identifier, Patient } from 'fhir/r4';
import type { ConditionInfo, EncounterInfo, ProcedureInfo, RecordLinks } from './clinical';
import { concept, type RecordContext, securityMeta } from './context';
import { INS_NIR_SYSTEM } from './identifiers';
import { dosageText, type MedicationInfo } from './medications';
import type { LabLine } from './observations';
import { LOINC, SECURITY_LABELS } from './terminology';
import { HOUR_MS, humanDate, MINUTE_MS } from './time';
import type { SensitiveTheme } from './types';

/** What a letter says about the patient and who wrote it. */
export interface DocumentSubject {
  readonly name: string;
  readonly gender: NonNullable<Patient['gender']>;
  readonly birthDate: string;
  readonly nationalId: Identifier;
  readonly author: string;
  readonly organization: string;
}

export interface DocumentSources {
  readonly encounters: readonly EncounterInfo[];
  readonly conditions: readonly ConditionInfo[];
  readonly medications: readonly MedicationInfo[];
  readonly procedures: readonly ProcedureInfo[];
  readonly labLines: readonly LabLine[];
}

type Kind = 'discharge' | 'consult' | 'theme';

const TYPES: Readonly<Record<Kind, { code: string; display: string; fr: string; en: string }>> = {
  discharge: {
    code: '18842-5',
    display: 'Discharge summary',
    fr: 'Compte rendu d’hospitalisation',
    en: 'Discharge summary',
  },
  consult: {
    code: '11488-4',
    display: 'Consult note',
    fr: 'Compte rendu de consultation',
    en: 'Consultation note',
  },
  theme: {
    code: '11488-4',
    display: 'Consult note',
    fr: 'Compte rendu de consultation spécialisée',
    en: 'Specialist consultation note',
  },
};

/** A discharge summary for the latest stay, consultation notes for other encounters, a restricted note on a sensitive topic. */
export function generateDocuments(
  ctx: RecordContext,
  count: number,
  subject: DocumentSubject,
  sources: DocumentSources,
  links: RecordLinks,
): DocumentReference[] {
  const rng = ctx.rng.fork('documents');
  const byRecency = [...sources.encounters].sort((a, b) => b.start - a.start);
  const stay = byRecency.find((e) => e.kind === 'IMP');
  const others = byRecency.filter((e) => e !== stay);
  const plan: { kind: Kind; encounter: EncounterInfo }[] = [];
  if (stay !== undefined) plan.push({ kind: 'discharge', encounter: stay });
  for (let i = 0; plan.length < count; i++) {
    const pool = others.length > 0 ? others : byRecency;
    plan.push({ kind: 'consult', encounter: pool[i % pool.length] });
  }
  plan.length = count;
  const themeCondition = sources.conditions.find((c) => c.term.theme !== undefined);
  if (themeCondition !== undefined && count >= 2)
    plan[count - 1] = { kind: 'theme', encounter: themeCondition.encounter };

  return plan.map(({ kind, encounter }) => {
    const content = letter(ctx, kind, encounter, subject, sources);
    const written =
      encounter.end + (kind === 'discharge' ? rng.int(1, 6) * HOUR_MS : rng.int(10, 90) * MINUTE_MS);
    const type = TYPES[kind];
    const title = ctx.language === 'fr' ? type.fr : type.en;
    const bytes = Buffer.from(content.text, 'utf8');
    const resource: DocumentReference = {
      resourceType: 'DocumentReference',
      identifier: [ctx.nextIdentifier('document')],
      status: 'current',
      docStatus: 'final',
      type: concept({ system: LOINC, code: type.code, display: type.display }, title),
      subject: links.patient,
      date: ctx.dateTime(written),
      author: [links.practitioner, links.organization],
      custodian: links.organization,
      description: `${title} — ${humanDate(ctx.date(encounter.start), ctx.language)}`,
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            language: ctx.language === 'fr' ? 'fr-FR' : 'en-GB',
            data: bytes.toString('base64'),
            size: bytes.length,
            hash: createHash('sha1').update(bytes).digest('base64'),
            title,
            creation: ctx.dateTime(written),
          },
        },
      ],
      context: {
        encounter: [encounter.ref],
        period: { start: ctx.dateTime(encounter.start), end: ctx.dateTime(encounter.end) },
      },
    };
    if (content.theme !== undefined) {
      // Sensitive letters are restricted as well as labelled with their topic.
      resource.meta = securityMeta(content.theme, true);
      resource.securityLabel = [
        concept({ ...SECURITY_LABELS[content.theme] }),
        concept({ ...SECURITY_LABELS.R }),
      ];
    }
    ctx.add(resource);
    return resource;
  });
}

interface Letter {
  readonly text: string;
  /** The sensitive topic the letter mentions, if any. */
  readonly theme: SensitiveTheme | undefined;
}

function letter(
  ctx: RecordContext,
  kind: Kind,
  encounter: EncounterInfo,
  subject: DocumentSubject,
  sources: DocumentSources,
): Letter {
  const fr = ctx.language === 'fr';
  const label = (c: ConditionInfo) => (fr ? c.term.fr : c.term.display);
  const conditions =
    kind === 'theme'
      ? sources.conditions.filter((c) => c.term.theme !== undefined)
      : sources.conditions.filter((c) => c.encounter === encounter);
  const medications = sources.medications.filter((m) =>
    kind === 'theme' ? m.condition?.term.theme !== undefined : m.encounter === encounter,
  );
  const procedures = sources.procedures.filter((p) => p.encounter === encounter);
  const labs = sources.labLines.filter((l) => l.encounter === encounter).slice(0, 8);
  const theme = [
    ...conditions.map((c) => c.term.theme),
    ...medications.map((m) => m.condition?.term.theme),
  ].find((t) => t !== undefined);
  const day = (ms: number) => humanDate(ctx.date(ms), ctx.language);
  const idLabel = subject.nationalId.system === INS_NIR_SYSTEM ? 'INS' : 'NHS number';
  const born = fr
    ? { female: 'née le', male: 'né le', other: 'né(e) le', unknown: 'né(e) le' }[subject.gender]
    : 'born';
  const reason =
    kind === 'theme'
      ? conditions.map(label).join(', ')
      : (encounter.resource.reasonCode?.[0]?.text ??
        conditions.map(label)[0] ??
        encounter.resource.type?.[0]?.text ??
        '');
  const list = (heading: string, items: readonly string[]) =>
    items.length === 0 ? [] : ['', heading, ...items.map((i) => `- ${i}`)];

  const lines = [
    TYPES[kind][fr ? 'fr' : 'en'].toUpperCase(),
    subject.organization,
    '',
    `${fr ? 'Patient(e) : ' : 'Patient: '}${subject.name}, ${born} ${humanDate(subject.birthDate, ctx.language)}`,
    `${idLabel}${fr ? ' : ' : ': '}${subject.nationalId.value ?? ''}`,
    kind === 'discharge'
      ? fr
        ? `Séjour du ${day(encounter.start)} au ${day(encounter.end)}`
        : `Admitted ${day(encounter.start)}, discharged ${day(encounter.end)}`
      : fr
        ? `Consultation du ${day(encounter.start)}`
        : `Seen on ${day(encounter.start)}`,
    `${fr ? 'Médecin : ' : 'Clinician: '}${subject.author}`,
    '',
    `${fr ? 'Motif : ' : 'Reason: '}${reason}`,
    ...list(fr ? 'Diagnostics :' : 'Diagnoses:', conditions.map(label)),
    ...list(
      fr ? 'Actes réalisés :' : 'Procedures:',
      procedures.map((p) => (fr ? p.term.fr : p.term.display)),
    ),
    ...list(
      fr ? 'Résultats biologiques :' : 'Results:',
      labs.map((l) => l.label[ctx.language]),
    ),
    ...list(
      kind === 'discharge'
        ? fr
          ? 'Traitement de sortie :'
          : 'Medication on discharge:'
        : fr
          ? 'Traitement :'
          : 'Medication:',
      medications.map((m) => `${fr ? m.term.fr : m.term.en} — ${dosageText(ctx, m.term)}`),
    ),
    '',
    fr
      ? 'Suivi : consultation de contrôle auprès du médecin traitant dans un mois.'
      : 'Follow-up: review by the GP in one month.',
    '',
    subject.author,
  ];
  return { text: `${lines.join('\n')}\n`, theme };
}
