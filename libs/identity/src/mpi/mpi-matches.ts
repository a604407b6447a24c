import type { Db } from '@passerelle/store';
import type { PatientKeys } from './matching';
import { holdersOfNationalIds, type KeyMatch, personsByKey } from './mpi-sql';
import { nationalIdOfQualified, qualifiedKeysAgree } from './qualification';

/** The persons a record's national ids point to, by strength of evidence. */
export interface NationalIdMatches {
  /** Persons holding a record whose qualified national id agrees with one of this record's. */
  qualified: KeyMatch[];
  /** Persons holding a record with one of its national ids, qualified or not. */
  shared: KeyMatch[];
}

export async function nationalIdMatches(
  db: Db,
  keys: PatientKeys,
  exclude: string | null,
): Promise<NationalIdMatches> {
  const shared = await personsByKey(db, 'nid', keys.nationalIds, exclude);
  if (keys.qualifiedIds.length === 0 || shared.length === 0) return { qualified: [], shared };
  const qualified = new Map<string, KeyMatch>();
  for (const holder of await holdersOfNationalIds(db, keys.nationalIds, exclude)) {
    const agreeing = keys.qualifiedIds.filter((ours) =>
      holder.qualified.some((theirs) => qualifiedKeysAgree(ours, theirs)),
    );
    if (agreeing.length === 0) continue;
    const ids = agreeing.map(nationalIdOfQualified);
    const match = qualified.get(holder.personId);
    if (match) {
      match.records += 1;
      match.keys = [...new Set([...match.keys, ...ids])].sort();
    } else {
      qualified.set(holder.personId, {
        personId: holder.personId,
        patientId: holder.patientId,
        records: 1,
        createdAt: holder.personCreatedAt,
        keys: ids,
      });
    }
  }
  return { qualified: [...qualified.values()], shared };
}
