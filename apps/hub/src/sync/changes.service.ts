import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, BundleEntry, Identifier, Parameters, Resource } from 'fhir/r4';
import type { ConsentScopedRepository } from '@passerelle/consent';
import { badRequest, isSupportedType, queryString } from '@passerelle/fhir';
import { type AccessContext, allows, PatientIndex } from '@passerelle/identity';
import { FhirRepository, parseStored, type StoredResource } from '@passerelle/store';
import {
  CHANGES_CURSOR_EXTENSION,
  conditionalReference,
  Feed,
  literalTarget,
  parseCursor,
  referencesIn,
  rewriteReferences,
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

    const rows: StoredResource[] = [];
    for (const item of page.items) {
      const type = item.resourceType;
      // Only what the token may read; the rest is the agency's scopes to fix, not a disclosure.
      if (!isSupportedType(type) || !allows(access.scopes, type, 'r')) continue;
      const stored = await this.repo.version(type, item.resourceId, String(item.versionId));
      if (stored?.json && !stored.deleted) rows.push(stored);
    }
    const echo: [string, string][] = [
      ['_since', since],
      ['_count', String(count)],
    ];
    const shown = await scope.disclose('changes', undefined, rows, queryString(echo));
    const resolve = await this.resolver(scope, access.agency, shown);

    const entry: BundleEntry[] = shown.map((stored) => ({
      fullUrl: `${this.baseUrl}/${stored.type}/${stored.id}`,
      resource: rewriteReferences(parseStored<Resource>(stored), resolve),
      request: { method: 'PUT', url: `${stored.type}/${stored.id}` },
    }));
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
  private async resolver(scope: ConsentScopedRepository, agency: string, shown: readonly StoredResource[]) {
    const db = this.repo.dataSource.manager;
    const targets = new Map<string, StoredResource>();
    for (const stored of shown) {
      const resource = parseStored<Resource>(stored);
      for (const ref of referencesIn(resource)) {
        const literal = literalTarget(ref);
        const key = literal && `${literal.type}/${literal.id}`;
        if (!literal || !key || targets.has(key)) continue;
        const { type, id } = literal;
        const target = isSupportedType(type) ? await this.repo.current(type, id, db) : undefined;
        if (target?.json && !target.deleted) targets.set(key, target);
      }
    }
    const list = [...targets.values()];
    const visible = await scope.visibleIn(db)(list);
    const references = new Map<string, string>();
    for (const [i, target] of list.entries()) {
      if (!visible[i]) continue;
      const own = target.type === 'Patient' ? await this.ownRecord(agency, target.id) : undefined;
      const ref = conditionalReference(
        target.type,
        (own ?? parseStored<Resource & { identifier?: Identifier[] }>(target)).identifier?.[0],
      );
      if (ref) references.set(`${target.type}/${target.id}`, ref);
    }
    return (t: { type: string; id: string }) => references.get(`${t.type}/${t.id}`);
  }

  /** The recipient's own Patient record of the same person, if it has one. */
  private async ownRecord(
    agency: string,
    patientId: string,
  ): Promise<{ identifier?: Identifier[] } | undefined> {
    const db = this.repo.dataSource.manager;
    for (const id of await this.mpi.linkedPatients(db, patientId)) {
      const record = await this.repo.current('Patient', id, db);
      if (record?.json && !record.deleted && record.sourceAgency === agency)
        return parseStored<Resource & { identifier?: Identifier[] }>(record);
    }
    return undefined;
  }
}
