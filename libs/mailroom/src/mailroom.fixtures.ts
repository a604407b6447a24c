import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Patient } from 'fhir/r4';
import { AUDIT_SCHEMA, AuditWriter } from '@passerelle/audit';
import type { DatabaseConfig } from '@passerelle/config';
import { CONSENT_SCHEMA, PatientNotifications } from '@passerelle/consent';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { IDENTITY_SCHEMA, PatientIndex } from '@passerelle/identity';
import {
  type Actor,
  FhirRepository,
  openDatabase,
  type OpenDatabase,
  type StoredResource,
} from '@passerelle/store';
import { InProcessDriver, type QueueDriver } from '@passerelle/sync';
import type { LetterSender } from '@passerelle/letters';
import { ONLINE_ACCOUNT_EXTENSION } from './contact-markers';
import { ConsentForms } from './consent-forms';
import { communicationType } from './dispatch';
import { MailroomWorker } from './mailroom-worker';
import { MAILROOM_SCHEMA } from './schema';

/** A mailroom on its own database, for the integration tests: synthetic people only. */

export const AGENCY_NAMES: Readonly<Record<string, string>> = {
  chu: 'CHU de Lille',
  urgences: 'Urgences de Roubaix',
  cabinet: 'Cabinet du Dr Martin',
};
export const CHU: Actor = { agency: 'chu', requestId: 'test-chu' };
export const CABINET: Actor = { agency: 'cabinet', requestId: 'test-cabinet' };

export const SENDER: LetterSender = {
  service: 'Passerelle Hauts-de-France',
  addressLines: ['12 rue de la Paix', '59000 Lille'],
  phone: '03 20 00 00 00',
};

export const HOME: Address = { line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' };

export function patient(mrn: string, extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'https://chu.example/mrn', value: mrn }],
    name: [{ given: ['Élodie'], family: `Lefèvre-${mrn}` }],
    ...extra,
  };
}

export const ONLINE = { url: ONLINE_ACCOUNT_EXTENSION, valueBoolean: true };

/** A hub Communication as stored (its current version), or undefined. */
export function storedCommunication(repo: FhirRepository, id: string): Promise<StoredResource | undefined> {
  return repo.internal.current(communicationType(), id);
}

export interface MailroomFixture {
  opened: OpenDatabase;
  repo: FhirRepository;
  index: PatientIndex;
  audit: AuditWriter;
  notifications: PatientNotifications;
  queue: QueueDriver;
  worker: MailroomWorker;
  /** Records returned paper forms, on the same database and queue as the worker. */
  forms: ConsentForms;
  outputDir: string;
  /** Waits until neither queue has work left (jobs run in this process). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function openMailroom(config: DatabaseConfig): Promise<MailroomFixture> {
  const opened = await openDatabase(config, {
    migrate: true,
    schemas: [MAILROOM_SCHEMA, CONSENT_SCHEMA, AUDIT_SCHEMA, IDENTITY_SCHEMA],
  });
  const dataSource = opened.dataSource;
  const index = new PatientIndex(dataSource);
  const repo = new FhirRepository(dataSource, {
    localBases: ['https://hub.example/fhir'],
    validator: getFhirSchemaValidator(),
    defaultCount: 20,
    maxCount: 100,
    afterWrite: [index.linkWrittenPatients],
  });
  const audit = new AuditWriter(dataSource);
  const queue = new InProcessDriver({ defaults: { backoffMs: 10 } });
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-mailroom-'));
  const deps = {
    dataSource,
    repo,
    audit,
    queue,
    linkedPatients: index.linkedPatients.bind(index),
    agencyName: (id: string) => Promise.resolve(AGENCY_NAMES[id]),
  };
  const worker = new MailroomWorker(deps, { outputDir, sender: SENDER });
  await worker.start({ poll: false });
  const settled = async () => {
    for (let i = 0; i < 3000; i++) {
      const counts = await Promise.all([queue.counts('letter'), queue.counts('print-run')]);
      if (counts.every((c) => c.waiting + c.active + c.delayed === 0)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the mailroom queues did not settle');
  };
  return {
    opened,
    repo,
    index,
    audit,
    notifications: new PatientNotifications(dataSource),
    queue,
    worker,
    forms: new ConsentForms(deps),
    outputDir,
    settled,
    close: async () => {
      await worker.stop();
      await queue.close();
      await audit.close();
      await opened.close();
      rmSync(outputDir, { recursive: true, force: true });
    },
  };
}
