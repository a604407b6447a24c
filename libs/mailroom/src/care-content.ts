import { createHash } from 'node:crypto';
import type {
  Address,
  Appointment,
  ContactPoint,
  Location,
  MedicationRequest,
  Organization,
  Practitioner,
  Reference,
  ServiceRequest,
} from 'fhir/r4';
import { hasSensitiveLabel } from '@passerelle/consent';
import { relativeTarget } from '@passerelle/fhir';
import { parseStored, type StoredResource } from '@passerelle/store';
import type { AppointmentLetter, AppointmentPlace, MedicineItem, MedicinesLetter } from '@passerelle/letters';
import { appointmentFacts } from './care-changes';
import type { ListedMedicine, LetterRow } from './letter-rows';
import { agencyLabel, type MailroomDeps, type MailroomOptions } from './mailroom-deps';
import type { Held } from './mailroom.types';
import { nameOf } from './postal-address';

/**
 * What an appointment or medicines letter says, read when it is printed from the ids its row
 * holds, and only from the person's own records: the appointment must name this patient, the
 * prescriptions are those of the person's compartments. Data labelled sensitive (the consent
 * engine's rule) stays out unless the patient asked for it by post: its medicines are not named
 * (the letter says some are left out), its appointment keeps when and where but not what for.
 */

type Body<L> = Omit<
  L,
  'reference' | 'date' | 'address' | 'patientName' | 'sender' | 'language' | 'largePrint' | 'timeZone'
>;

const missing = (what: string): Held => ({
  reason: 'missing-source',
  message: `The ${what} this letter is about can no longer be found.`,
});

const SENT_BEFORE = `(status IN ('printed', 'posted', 'returned') OR (status = 'in-run' AND run_id IS DISTINCT FROM $3))`;

function phoneOf(telecom: readonly ContactPoint[] | undefined): string | undefined {
  return telecom?.find((t) => t.system === 'phone' && t.value)?.value;
}

function addressLines(address: Address | undefined): string[] {
  if (!address) return [];
  const city = [address.postalCode, address.city].filter(Boolean).join(' ');
  return [...(address.line ?? []), city].filter((l) => l !== '');
}

function codeText(
  concept: { text?: string; coding?: { display?: string }[] } | undefined,
): string | undefined {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display;
}

/** A person's name as written on a Practitioner ("Dr Claire Martin"). */
export function practitionerText(practitioner: Practitioner): string | undefined {
  const name = nameOf(practitioner.name);
  const text =
    name?.text ?? [...(name?.prefix ?? []), ...(name?.given ?? []), name?.family ?? ''].join(' ').trim();
  return text || undefined;
}

export class CareContent {
  constructor(
    private readonly deps: MailroomDeps,
    private readonly options: Pick<MailroomOptions, 'sender'>,
  ) {}

  private label(id: string): Promise<string> {
    return agencyLabel(this.deps, this.options.sender, id);
  }

  /** A current resource the reference names (internal: the patient's own letter), live only. */
  private async current(reference: string | undefined): Promise<StoredResource | undefined> {
    const target = relativeTarget(reference ?? '');
    if (!target || !['Location', 'Practitioner', 'Organization'].includes(target.type)) return undefined;
    const stored = await this.deps.repo.internal.current(target.type as 'Location', target.id);
    return stored && !stored.deleted ? stored : undefined;
  }

  /** Who the patient will see: practitioners by name, services as the agency named them; never a person who is not staff. */
  private async whom(references: readonly Reference[]): Promise<string[]> {
    const out: string[] = [];
    for (const ref of references) {
      const type = relativeTarget(ref.reference ?? '')?.type ?? ref.type;
      if (type === 'Practitioner') {
        const stored = await this.current(ref.reference);
        const name = stored ? practitionerText(parseStored<Practitioner>(stored)) : undefined;
        if (name ?? ref.display) out.push(name ?? ref.display ?? '');
      } else if ((type === 'PractitionerRole' || type === 'HealthcareService') && ref.display)
        out.push(ref.display);
      else if (type === 'Organization') {
        const stored = await this.current(ref.reference);
        const name = stored ? parseStored<Organization>(stored).name : ref.display;
        if (name) out.push(name);
      }
    }
    return out;
  }

  async appointment(
    row: LetterRow,
    patientIds: readonly string[],
    sensitiveByPost: boolean,
  ): Promise<Body<AppointmentLetter> | Held> {
    const target = relativeTarget(row.details.appointment ?? '');
    const { version, change } = row.details;
    if (!target || !version || !change || (target.type !== 'Appointment' && target.type !== 'ServiceRequest'))
      return missing('appointment');
    // Internal: the patient's own appointment, posted to them.
    const stored = await this.deps.repo.internal.version(target.type, target.id, version);
    if (!stored || stored.deleted) return missing('appointment');
    const resource = parseStored<Appointment | ServiceRequest>(stored);
    const facts = appointmentFacts(resource);
    // Never another person's appointment: this letter's patient must be among its patients.
    if (!facts?.start || !facts.patients.some((p) => patientIds.includes(p))) return missing('appointment');
    const hidden = hasSensitiveLabel(stored) && !sensitiveByPost;
    const actors =
      resource.resourceType === 'Appointment'
        ? resource.participant.map((p) => p.actor).filter((a): a is Reference => a !== undefined)
        : [...(resource.performer ?? []), ...(resource.locationReference ?? [])];
    const locationRef = actors.find((a) => relativeTarget(a.reference ?? '')?.type === 'Location');
    const placeRow = locationRef ? await this.current(locationRef.reference) : undefined;
    const location = placeRow ? parseStored<Location>(placeRow) : undefined;
    const place: AppointmentPlace | undefined = location
      ? {
          ...(location.name ? { name: location.name } : {}),
          addressLines: addressLines(location.address),
          ...(location.description ? { directions: location.description } : {}),
        }
      : locationRef?.display
        ? { name: locationRef.display, addressLines: [] }
        : undefined;
    const agency = stored.sourceAgency ?? '';
    const org = await this.current(`Organization/${agency}`);
    const phone =
      phoneOf(location?.telecom) ?? (org ? phoneOf(parseStored<Organization>(org).telecom) : undefined);
    const what =
      resource.resourceType === 'Appointment'
        ? (codeText(resource.serviceType?.[0]) ?? codeText(resource.appointmentType))
        : codeText(resource.code);
    const bring = resource.patientInstruction;
    const previousStart = row.details.previousStart ? new Date(row.details.previousStart) : undefined;
    return {
      kind: 'appointment',
      appointment: {
        change,
        start: facts.start,
        ...(facts.end ? { end: facts.end } : {}),
        ...(previousStart ? { previousStart } : {}),
        agency: await this.label(agency),
        with: await this.whom(actors),
        ...(what && !hidden ? { what } : {}),
        ...(place ? { place } : {}),
        ...(bring && !hidden ? { bring } : {}),
        ...(phone ? { phone } : {}),
      },
    };
  }

  private async medicine(stored: StoredResource): Promise<MedicineItem> {
    const request = parseStored<MedicationRequest>(stored);
    const dosage = request.dosageInstruction ?? [];
    const quantity = dosage[0]?.doseAndRate?.[0]?.doseQuantity;
    const dose =
      quantity?.value !== undefined ? `${quantity.value} ${quantity.unit ?? ''}`.trim() : undefined;
    const when = dosage
      .map((d) => d.patientInstruction ?? d.text ?? codeText(d.timing?.code))
      .filter((w): w is string => !!w)
      .join('; ');
    const requester = request.requester;
    const person =
      relativeTarget(requester?.reference ?? '')?.type === 'Practitioner'
        ? ((await this.whom([requester as Reference]))[0] ?? requester?.display)
        : requester?.display;
    const agency = stored.sourceAgency ? await this.label(stored.sourceAgency) : undefined;
    const prescriber = person && agency ? `${person} (${agency})` : (person ?? agency);
    return {
      name: codeText(request.medicationCodeableConcept) ?? request.medicationReference?.display ?? '',
      ...(dose ? { dose } : {}),
      ...(when ? { when } : {}),
      ...(prescriber ? { prescriber } : {}),
    };
  }

  async medicines(
    row: LetterRow,
    patientIds: readonly string[],
    sensitiveByPost: boolean,
  ): Promise<Body<MedicinesLetter> | Held> {
    const current: { stored: StoredResource; item: MedicineItem; listed: ListedMedicine }[] = [];
    let withheld = false;
    let pageToken: string | undefined;
    do {
      // Internal: the person's own prescriptions, posted to them (sensitive ones only if asked).
      const page = await this.deps.repo.internal.everything(patientIds, {
        types: ['MedicationRequest'],
        count: this.deps.repo.options.maxCount,
        pageToken,
      });
      for (const { stored } of page.entries) {
        if (stored.deleted || parseStored<MedicationRequest>(stored).status !== 'active') continue;
        if (hasSensitiveLabel(stored) && !sensitiveByPost) {
          withheld = true;
          continue;
        }
        const item = await this.medicine(stored);
        const sig = createHash('sha256')
          .update(JSON.stringify([item.name, item.dose, item.when]))
          .digest('hex')
          .slice(0, 16);
        current.push({
          stored,
          item,
          listed: { ref: `MedicationRequest/${stored.id}`, version: stored.versionId, sig },
        });
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);

    const db = this.deps.dataSource.manager;
    const before: { details: { listed?: ListedMedicine[] } }[] = await db.query(
      `SELECT details FROM letter WHERE kind = 'medicines' AND patient_id = ANY($1::text[]) AND id <> $2
          AND ${SENT_BEFORE} AND details ? 'listed' ORDER BY updated_at DESC LIMIT 1`,
      [[...patientIds], row.id, row.run_id],
    );
    const previous = before[0]?.details.listed;
    const byRef = new Map((previous ?? []).map((p) => [p.ref, p]));
    const items = current
      .map(({ item, listed }) => {
        const was = byRef.get(listed.ref);
        if (!previous) return item;
        if (!was) return { ...item, change: 'started' as const };
        return was.sig !== listed.sig ? { ...item, change: 'changed' as const } : item;
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const still = new Set(current.map((c) => c.listed.ref));
    const gone = (previous ?? []).filter((p) => !still.has(p.ref));
    const versions = await this.deps.repo.internal.versions(
      gone.map((p) => ({
        type: 'MedicationRequest',
        id: p.ref.slice('MedicationRequest/'.length),
        versionId: p.version,
      })),
    );
    const stopped: { name: string; prescriber?: string }[] = [];
    for (const stored of versions.values()) {
      if (hasSensitiveLabel(stored) && !sensitiveByPost) continue;
      const { name, prescriber } = await this.medicine(stored);
      stopped.push({ name, ...(prescriber ? { prescriber } : {}) });
    }
    // What this letter lists: the next one says what changed since.
    await db.query(
      `UPDATE letter SET details = details || jsonb_build_object('listed', $2::jsonb) WHERE id = $1`,
      [row.id, JSON.stringify(current.map((c) => c.listed))],
    );
    return {
      kind: 'medicines',
      medicines: {
        ...(row.details.discharge ? { dischargedFrom: await this.label(row.details.discharge) } : {}),
        items,
        stopped,
        withheld,
        first: previous === undefined,
      },
    };
  }
}
