import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, BundleEntry, Identifier, Parameters, Reference, Resource } from 'fhir/r4';
import type { ConsentScopedRepository } from '@passerelle/consent';
import { badRequest, isSupportedType, queryString } from '@passerelle/fhir';
import { type AccessContext, allows, PatientIndex } from '@passerelle/identity';
import { FhirRepository, parseStored, versionKey } from '@passerelle/store';
import {
  CHANGES_CURSOR_EXTENSION,
  conditionalReference,
  Feed,
  literalTarget,
  parseCursor,
  referencesIn,
  rewriteInPlace,
  settleFeedVersions,
} from '@passerelle/sync';
import { FHIR_BASE_URL } from '../core.module';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 500;

function countParam(value: unknown): number {
  if (value === undefined) return DEFAULT_COUNT;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isSafeInteger(n) || n < 1)
    throw badRequest('_count must be a whole number from 1', ['_count']);
  return Math.min(n, MAX_COUNT);
}

/**
 * `$changes`: an agency's feed, what routing decided it receives, each item asked of consent
 * again at read time (revoked since routing → left out, audited as denied) and audited as a
 * disclosure. References are rewritten to identifiers the recipient can resolve in its own system.
 */
@Injectable()
export class ChangesService {
  private readonly feed = new Feed();

  constructor(
    private readonly repo: FhirRepository,
    private readonly mpi: PatientIndex,
    @Inject(FHIR_BASE_URL) private readonly baseUrl: string,
  ) {}

  async read(
    scope: ConsentScopedRepository,
    access: AccessContext,
    params: Record<string, unknown>,
  ): Promise<Bundle> {
    const since = parseCursor(params._since);
    if (since === undefined) throw badRequest('_since must be a cursor returned by $changes', ['_since']);
    const count = countParam(params._count);
    const db = this.repo.dataSource.manager;
    const page = await this.feed.read(db, access.agency, since, count);

    // Only what the token may read; the rest is the agency's scopes to fix, not a disclosure.
    const readable = page.items.filter(
      (item) => isSupportedType(item.resourceType) && allows(access.scopes, item.resourceType, 'r'),
    );
    // Internal: the feed's versions are decided on by the caller's scope (disclose) below.
    const versions = await this.repo.internal.versions(
      readable.map((item) => ({ type: item.resourceType, id: item.resourceId, versionId: item.versionId })),
      db,
    );
    const listed = readable.flatMap((item) => {
      const stored = versions.get(versionKey(item.resourceType, item.resourceId, item.versionId));
      return stored ? [stored] : [];
    });
    // Deletions travel as tombstones; a version deleted since is read as its tombstone.
    const settled = await settleFeedVersions(this.repo, db, listed);
    const echo: [string, string][] = [
      ['_since', since],
      ['_count', String(count)],
    ];
    const shown = new Set(
      await scope.disclose(
        'changes',
        undefined,
        settled.map((v) => v.stored),
        queryString(echo),
      ),
    );
    const visible = settled.filter((v) => shown.has(v.stored));
    // Each item parsed once, its references found once: the resolver reads their targets, then
    // they are rewritten in the parsed copy, which is this answer's own.
    const live = new Map(
      visible.flatMap((v) => {
        if (v.kind !== 'live') return [];
        const resource = parseStored<Resource>(v.stored);
        return [[v.stored, { resource, references: referencesIn(resource) }] as const];
      }),
    );
    const resolve = await this.resolver(
      scope,
      access.agency,
      [...live.values()].flatMap((item) => item.references),
    );
    for (const item of live.values()) rewriteInPlace(item.references, resolve);

    const entry: BundleEntry[] = visible.map((v) =>
      v.kind === 'live'
        ? {
            fullUrl: `${this.baseUrl}/${v.stored.type}/${v.stored.id}`,
            resource: live.get(v.stored)!.resource,
            request: { method: 'PUT', url: `${v.stored.type}/${v.stored.id}` },
          }
        : {
            fullUrl: `${this.baseUrl}/${v.stored.type}/${v.stored.id}`,
            request: { method: 'DELETE', url: v.url },
          },
    );
    const path = `${this.baseUrl}/$changes`;
    return {
      resourceType: 'Bundle',
      type: 'history',
      // Bundle has no extensions of its own in R4: the cursor rides on its meta.
      meta: { extension: [{ url: CHANGES_CURSOR_EXTENSION, valueString: page.cursor }] },
      link: [
        { relation: 'self', url: `${path}${queryString(echo)}` },
        ...(page.more
          ? [
              {
                relation: 'next',
                url: `${path}${queryString([
                  ['_since', page.cursor],
                  ['_count', String(count)],
                ])}`,
              },
            ]
          : []),
      ],
      entry,
    };
  }

  async acknowledge(agency: string, body: unknown): Promise<Parameters> {
    const params = body as Parameters | undefined;
    const cursor =
      params?.resourceType === 'Parameters'
        ? params.parameter?.find((p) => p.name === 'cursor')?.valueString
        : undefined;
    const through = cursor === undefined ? undefined : parseCursor(cursor);
    if (through === undefined || cursor === '')
      throw badRequest('Expected Parameters with a cursor (valueString) returned by $changes', ['cursor']);
    const acknowledged = await this.feed.acknowledge(this.repo.dataSource.manager, agency, through);
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'cursor', valueString: through },
        { name: 'acknowledged', valueInteger: acknowledged },
      ],
    };
  }

  /**
   * For each referenced resource: a conditional reference by identifier when the recipient may
   * see the target (a Patient by the recipient's own record of the person when it has one),
   * else nothing (the reference keeps its display only).
   */
  private async resolver(scope: ConsentScopedRepository, agency: string, cited: readonly Reference[]) {
    const db = this.repo.dataSource.manager;
    const keys = new Map<string, { type: string; id: string }>();
    for (const ref of cited) {
      const literal = literalTarget(ref);
      if (literal && isSupportedType(literal.type)) keys.set(`${literal.type}/${literal.id}`, literal);
    }
    // Internal: only targets the caller's scope lets through are used (visibleIn below).
    const found = await this.repo.internal.currentMany([...keys.values()], db);
    const list = [...found.values()].filter((target) => target.json && !target.deleted);
    const visible = await scope.visibleIn(db)(list);
    const shownTargets = list.filter((_, i) => visible[i]);
    const own = await this.ownRecords(
      agency,
      shownTargets.filter((t) => t.type === 'Patient').map((t) => t.id),
    );
    const references = new Map<string, string>();
    for (const target of shownTargets) {
      const record = own.get(target.id) ?? parseStored<Resource & { identifier?: Identifier[] }>(target);
      const ref = conditionalReference(target.type, record.identifier?.[0]);
      if (ref) references.set(`${target.type}/${target.id}`, ref);
    }
    return (t: { type: string; id: string }) => references.get(`${t.type}/${t.id}`);
  }

  /** For each Patient id: the recipient's own Patient record of the same person, if it has one. */
  private async ownRecords(
    agency: string,
    patientIds: readonly string[],
  ): Promise<Map<string, { identifier?: Identifier[] }>> {
    const db = this.repo.dataSource.manager;
    const linked = await this.mpi.linkedPatientsMany(db, patientIds);
    // Internal: only the recipient's own records are kept (sourceAgency below).
    const records = await this.repo.internal.currentMany(
      [...new Set([...linked.values()].flat())].map((id) => ({ type: 'Patient', id })),
      db,
    );
    const out = new Map<string, { identifier?: Identifier[] }>();
    for (const [asked, ids] of linked) {
      // In the MPI's order: the record asked about first, then the others sorted.
      const record = ids
        .map((id) => records.get(`Patient/${id}`))
        .find((r) => r?.json && !r.deleted && r.sourceAgency === agency);
      if (record) out.set(asked, parseStored<Resource & { identifier?: Identifier[] }>(record));
    }
    return out;
  }
}
