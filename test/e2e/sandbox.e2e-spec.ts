import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import type { Bundle as B, BundleLink, DocumentReference, FhirResource, Patient } from 'fhir/r4';
import { AGENCY_RECORD_TYPES, authorizationHeader } from '../../apps/sandbox/src';
import {
  asBody,
  fhirKitClient,
  type FhirKitClient,
  refusedStatus,
} from '../../apps/sandbox/src/fhir-kit.testing';
import type { SandboxHealth } from '../../apps/sandbox/src/health.controller';
import { loadSandboxConfig } from '../../apps/sandbox/src/sandbox-config';
import { SandboxModule } from '../../apps/sandbox/src/sandbox.module';
import { INS_NIR_SYSTEM } from '@passerelle/synthetic';

type Bundle = B<FhirResource>;

/**
 * The sandbox app as `npm run start:sandbox` runs it (config from the environment, Nest, its
 * agency servers), used the way a connector uses an agency's FHIR server: fhir-kit-client,
 * `_lastUpdated=gt<cursor>` pulls with paging, conditional updates, auth.
 */

const ENV = {
  SANDBOX_PORT: '0',
  SANDBOX_AGENCY_PORT: '0',
  SANDBOX_PATIENTS: '6',
  LOG_LEVEL: 'error',
  SANDBOX_HOSPITAL_AUTH: 'basic',
  SANDBOX_USER: 'hospital-connector',
  SANDBOX_PASSWORD: 'hospital-secret',
  SANDBOX_GP_AUTH: 'bearer',
  SANDBOX_TOKEN: 'gp-token',
};

function next(bundle: Bundle): string | undefined {
  return bundle.link?.find((l: BundleLink) => l.relation === 'next')?.url;
}

/** A connector's pull of one type: every page after the cursor, and the cursor to keep. */
async function pull(
  client: FhirKitClient,
  resourceType: string,
  cursor: string,
): Promise<{ resources: FhirResource[]; cursor: string; pages: number }> {
  let page = (await client.search({
    resourceType,
    searchParams: { _lastUpdated: `gt${cursor}`, _sort: '_lastUpdated', _count: 5 },
  })) as unknown as Bundle;
  const resources: FhirResource[] = [];
  let pages = 1;
  for (;;) {
    resources.push(...(page.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));
    if (next(page) === undefined) break;
    const bundle = page as unknown as Parameters<FhirKitClient['nextPage']>[0]['bundle'];
    page = (await client.nextPage({ bundle })) as unknown as Bundle;
    pages += 1;
  }
  return { resources, cursor: resources.at(-1)?.meta?.lastUpdated ?? cursor, pages };
}

describe('sandbox app: three agency FHIR servers, used as a connector uses them', () => {
  let app: NestFastifyApplication;
  let health: SandboxHealth;
  let hospital: FhirKitClient;
  let gp: FhirKitClient;
  let specialist: FhirKitClient;

  beforeAll(async () => {
    const config = loadSandboxConfig(ENV);
    app = await NestFactory.create<NestFastifyApplication>(
      SandboxModule.forRoot(config),
      new FastifyAdapter(),
      {
        logger: false,
      },
    );
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/health`);
    health = (await response.json()) as SandboxHealth;
    const baseUrl = (kind: string) => health.agencies.find((a) => a.kind === kind)?.baseUrl ?? '';
    const header = (auth: Parameters<typeof authorizationHeader>[0]) => authorizationHeader(auth) ?? '';
    hospital = await fhirKitClient({
      baseUrl: baseUrl('hospital'),
      customHeaders: { Authorization: header(config.agencies.auth.hospital) },
    });
    gp = await fhirKitClient({ baseUrl: baseUrl('gp'), bearerToken: 'gp-token' });
    specialist = await fhirKitClient({ baseUrl: baseUrl('specialist') });
  });

  afterAll(async () => {
    await app.close();
  });

  it('lists the three agencies on /health, each on its own port', () => {
    expect(health.agencies.map((a) => [a.kind, a.auth])).toEqual([
      ['hospital', 'basic'],
      ['gp', 'bearer'],
      ['specialist', 'none'],
    ]);
    expect(new Set(health.agencies.map((a) => new URL(a.baseUrl).port)).size).toBe(3);
  });

  it('refuses the hospital and the GP practice without credentials', async () => {
    for (const agency of health.agencies.filter((a) => a.auth !== 'none')) {
      const anonymous = await fhirKitClient({ baseUrl: agency.baseUrl });
      const error: unknown = await anonymous.search({ resourceType: 'Patient' }).catch((e: unknown) => e);
      expect(refusedStatus(error)).toBe(401);
    }
  });

  it('pulls everything the hospital publishes, page by page, then nothing more', async () => {
    for (const type of AGENCY_RECORD_TYPES.hospital) {
      const all = (await hospital.search({
        resourceType: type,
        searchParams: { _summary: 'count' },
      })) as unknown as Bundle;
      const first = await pull(hospital, type, '2000-01-01T00:00:00.000Z');
      expect(first.resources).toHaveLength(all.total ?? -1);
      expect(new Set(first.resources.map((r) => r.id)).size).toBe(first.resources.length);
      expect(first.pages).toBe(Math.max(1, Math.ceil(first.resources.length / 5)));
      const again = await pull(hospital, type, first.cursor);
      expect(again.resources).toEqual([]);
    }
  });

  it('holds the same people at the hospital and the GP practice, found by national identifier', async () => {
    const atHospital = (await hospital.search({ resourceType: 'Patient' })) as unknown as Bundle;
    const patient = atHospital.entry?.[0]?.resource as Patient;
    const nir = patient.identifier?.find((i) => i.system === INS_NIR_SYSTEM)?.value ?? '';
    const atGp = (await gp.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${INS_NIR_SYSTEM}|${nir}` },
    })) as unknown as Bundle;
    expect(atGp.total).toBe(1);
  });

  it('applies a hospital discharge summary to the GP practice once, however often it is sent', async () => {
    const gpCursor = (await pull(gp, 'DocumentReference', '2000-01-01T00:00:00.000Z')).cursor;
    const discharges = (await hospital.search({
      resourceType: 'DocumentReference',
      searchParams: { type: 'http://loinc.org|18842-5', _count: 1 },
    })) as unknown as Bundle;
    const discharge = discharges.entry?.[0]?.resource as DocumentReference;
    const key = discharge.identifier?.[0];
    // What an apply writes: the document keyed by its identifier, its patient resolved locally
    // by national identifier, references the GP practice cannot resolve left out.
    const subjectId = discharge.subject?.reference?.split('/')[1] ?? '';
    const subject = (await hospital.read({ resourceType: 'Patient', id: subjectId })) as unknown as Patient;
    const nir = subject.identifier?.find((i) => i.system === INS_NIR_SYSTEM)?.value ?? '';
    const local = (await gp.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${INS_NIR_SYSTEM}|${nir}` },
    })) as unknown as Bundle;
    const {
      id: _id,
      meta: _meta,
      author: _author,
      custodian: _custodian,
      context: _context,
      ...content
    } = discharge;
    const body: DocumentReference = {
      ...content,
      subject: { reference: `Patient/${local.entry?.[0]?.resource?.id}` },
    };
    const searchParams = { identifier: `${key?.system ?? ''}|${key?.value ?? ''}` };
    for (let i = 0; i < 3; i++)
      await gp.update({ resourceType: 'DocumentReference', searchParams, body: asBody(body) });

    const changed = await pull(gp, 'DocumentReference', gpCursor);
    expect(changed.resources).toHaveLength(1);
    expect(changed.resources[0].meta?.versionId).toBeDefined();
    const history = (await gp.history({
      resourceType: 'DocumentReference',
      id: changed.resources[0].id ?? '',
    })) as unknown as Bundle;
    expect(history.entry).toHaveLength(1);
    expect(changed.resources[0]).toMatchObject({ subject: body.subject, identifier: discharge.identifier });
  });

  it('runs a transaction at the specialist clinic', async () => {
    const response = (await specialist.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:5d1c0e2a-7f3b-4b8e-9c61-000000000001',
            resource: {
              resourceType: 'Patient',
              identifier: [{ system: 'https://specialist.example.org/fhir/sid/mrn', value: 'e2e-1' }],
            },
            request: {
              method: 'PUT',
              url: 'Patient?identifier=https://specialist.example.org/fhir/sid/mrn|e2e-1',
            },
          },
          {
            resource: {
              resourceType: 'ServiceRequest',
              identifier: [
                { system: 'https://specialist.example.org/fhir/sid/service-request', value: 'e2e-1' },
              ],
              status: 'active',
              intent: 'order',
              subject: { reference: 'urn:uuid:5d1c0e2a-7f3b-4b8e-9c61-000000000001' },
            },
            request: { method: 'POST', url: 'ServiceRequest' },
          },
        ],
      },
    })) as unknown as Bundle;
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    const request = response.entry?.[1]?.resource as { subject?: { reference?: string } };
    expect(request.subject?.reference).toBe(`Patient/${response.entry?.[0]?.resource?.id}`);
  });
});
