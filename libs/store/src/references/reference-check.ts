import { HUB_AGENCY, type PendingWrite } from '../versions';
import { type Db, selectFactsMany } from '../sql/resource-sql';
import type { Actor } from '../types';
import { type ReferenceCheck, unresolvableReferences } from './local-references';

/**
 * Every literal reference of the written versions must resolve to a live resource the writer
 * may see (`check`), else 422 naming each such reference, the same for a missing target and a
 * hidden one. Run after the versions are inserted, so that a reference to another resource of
 * the same write (a transaction's entries) finds it as the writer's own. The targets are read in
 * one statement and decided on in one call, whatever the Bundle's size. The hub's own writes
 * (agency Organizations, paper-form Consents, letters) are not checked: they refer to what the
 * hub has just read.
 */
export async function checkWrittenReferences(
  db: Db,
  actor: Actor,
  written: readonly PendingWrite[],
  check: ReferenceCheck | undefined,
): Promise<void> {
  if (!check || actor.agency === HUB_AGENCY) return;
  const references = written.flatMap((p) => p.references ?? []);
  if (references.length === 0) return;
  const keys = new Map<string, { type: string; id: string }>();
  for (const { target } of references) {
    if (target === undefined || keys.has(target)) continue;
    const slash = target.indexOf('/');
    keys.set(target, { type: target.slice(0, slash), id: target.slice(slash + 1) });
  }
  const found = await selectFactsMany(db, [...keys.values()]);
  const live = [...found.values()].filter((s) => !s.deleted);
  const flags =
    live.length > 0
      ? await check(
          db,
          actor,
          live,
          written.map((p) => p.row!),
        )
      : [];
  const resolved = new Set(live.flatMap((s, i) => (flags[i] === true ? [`${s.type}/${s.id}`] : [])));
  const unresolved = references.filter((r) => r.target === undefined || !resolved.has(r.target));
  if (unresolved.length > 0) throw unresolvableReferences(unresolved.map((r) => r.expression));
}
