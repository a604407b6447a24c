import type { Patient } from 'fhir/r4';
import type { Db, VersionRow } from '@passerelle/store';
import {
  decideLink,
  DEMOGRAPHIC_RULES,
  keyRows,
  keysOf,
  lockNames,
  nationalIdsConflict,
  type PatientKeys,
  sameKeyRows,
  sharedNationalIdRules,
} from './matching';
import { proposeCandidate } from './candidate-sql';
import {
  createPerson,
  type KeyMatch,
  type LinkRow,
  lockForIndexing,
  membersOf,
  nationalIdsOfPersons,
  personsByKey,
  replaceKeys,
  retireLink,
  selectKeys,
  selectLink,
  touchLink,
  writeLink,
} from './mpi-sql';
import { nationalIdMatches } from './mpi-matches';
import { OPERATOR_METHODS } from './mpi.types';

/**
 * Links the Patient versions of one write to persons, inside the writing transaction. Only a
 * qualified national id that agrees links by itself (matching.ts, qualification.ts); anything
 * weaker becomes a candidate for an operator.
 *
 * Locks first: the shared admin lock, then every blocking key the records had or now have (and
 * one per record), sorted, in one statement. A person is only ever joined through a national id
 * key it already holds, so two writers that could join (or split) the same person wait on the
 * same key, and the second sees what the first committed: ten agencies pushing the same qualified
 * INS at once make one person. Demographic keys are locked too, so concurrent look-alikes see each other
 * and become a candidate.
 */
export async function indexPatients(db: Db, written: readonly VersionRow[]): Promise<void> {
  const latest = new Map<string, VersionRow>();
  for (const row of written) {
    if (row.type === 'Patient' && (latest.get(row.id)?.versionId ?? 0) < row.versionId)
      latest.set(row.id, row);
  }
  if (latest.size === 0) return;
  const plans = [...latest.values()].map((row) => ({
    row,
    keys: row.deleted || row.content === null ? undefined : keysOf(JSON.parse(row.content) as Patient),
  }));
  const before = await selectKeys(db, [...latest.keys()]);
  await lockForIndexing(
    db,
    plans.flatMap((p) => [
      ...lockNames(p.row.id, before.get(p.row.id) ?? []),
      ...lockNames(p.row.id, p.keys ? keyRows(p.keys) : []),
    ]),
  );
  for (const { row, keys } of plans) {
    if (keys) await indexPatient(db, row, keys);
    else await retireLink(db, row.id);
  }
}

/** (Re)links one record. An unchanged record changes nothing, so a retried push writes no row. */
async function indexPatient(db: Db, row: VersionRow, keys: PatientKeys): Promise<void> {
  const id = row.id;
  const rows = keyRows(keys);
  const current = await selectLink(db, id, true);
  const before = (await selectKeys(db, [id])).get(id) ?? [];
  if (current?.active && sameKeyRows(before, rows)) {
    await touchLink(db, id, row.sourceAgency);
    return;
  }

  const nids = keys.nationalIds;
  const { qualified, shared } = await nationalIdMatches(db, keys, id);
  const heldIds = await nationalIdsOfPersons(
    db,
    [...new Set([...shared.map((m) => m.personId), ...(current ? [current.personId] : [])])],
    id,
  );
  const conflictsWith = (personId: string) => nationalIdsConflict(nids, heldIds.get(personId) ?? []);
  const decision = decideLink(
    current,
    current ? conflictsWith(current.personId) : false,
    qualified.map((m) => ({ ...m, conflicts: conflictsWith(m.personId) })),
  );

  let personId: string;
  if (decision.kind === 'keep' && current) {
    personId = current.personId;
    await touchLink(db, id, row.sourceAgency);
  } else if (decision.kind === 'join') {
    personId = decision.personId;
    const via = qualified.find((m) => m.personId === personId)?.keys ?? [];
    const evidence = { rules: sharedNationalIdRules(nids, via) };
    await writeLink(db, {
      patientId: id,
      personId,
      agency: row.sourceAgency,
      method: 'national-id',
      evidence,
    });
  } else {
    personId = await createPerson(db);
    await writeLink(db, {
      patientId: id,
      personId,
      agency: row.sourceAgency,
      method: 'new',
      evidence: { rules: [] },
    });
  }
  await replaceKeys(db, id, before, rows);
  // Records left behind are worth asking about only if nothing says they are someone else.
  const left =
    current && current.personId !== personId && !conflictsWith(current.personId) ? current : undefined;
  await proposeCandidates(
    db,
    id,
    personId,
    left,
    keys,
    shared.filter((m) => !conflictsWith(m.personId)),
  );
}

/** What an operator should look at after a record was (re)linked. Never links anything itself. */
async function proposeCandidates(
  db: Db,
  id: string,
  personId: string,
  /** The person this record just left, when its other records may belong with it. */
  previous: LinkRow | undefined,
  keys: PatientKeys,
  nidMatches: readonly KeyMatch[],
): Promise<void> {
  const propose = (
    m: { patientId: string; personId: string },
    rule: 'demographic' | 'national-id',
    rules: string[],
  ) =>
    proposeCandidate(
      db,
      { patientId: id, personId, matchedPatientId: m.patientId, matchedPersonId: m.personId },
      rule,
      { rules },
    );

  // Records an operator had joined to the person this record left may belong with it.
  if (previous) {
    const left = (await membersOf(db, [previous.personId])).get(previous.personId)?.patients ?? [];
    for (const member of left.filter((p) => p.active && OPERATOR_METHODS.includes(p.method))) {
      await proposeCandidate(
        db,
        {
          patientId: member.patientId,
          personId: previous.personId,
          matchedPatientId: id,
          matchedPersonId: personId,
        },
        'linked-record-moved',
        { rules: ['linked-record-moved'] },
      );
    }
  }
  // Another person sharing a national id: the evidence to link was not there (an identity not
  // qualified, traits that disagree, an NHS number not verified), or an operator split them.
  for (const m of nidMatches.filter((x) => x.personId !== personId)) {
    await propose(m, 'national-id', sharedNationalIdRules(keys.nationalIds, m.keys));
  }
  // Same five demographics in another person, with no conflicting national id: a candidate.
  if (keys.demographic) {
    const alike = (await personsByKey(db, 'demo', [keys.demographic], id)).filter(
      (m) => m.personId !== personId,
    );
    const heldIds = await nationalIdsOfPersons(
      db,
      alike.map((m) => m.personId),
      id,
    );
    for (const m of alike) {
      if (!nationalIdsConflict(keys.nationalIds, heldIds.get(m.personId) ?? []))
        await propose(m, 'demographic', DEMOGRAPHIC_RULES);
    }
  }
}
