import { getFhirSchemaValidator } from '@passerelle/fhir';
import { defaultAgencies, generatePatient, generatePatients, toTransactionBundle } from './index';

/** The hub validates every pushed resource against the official R4 JSON schema: so must ours pass. */
describe('synthetic data against the official FHIR R4 schema', () => {
  const validator = getFhirSchemaValidator();
  const patients = [
    ...generatePatients(16, 2024, { country: 'mixed' }),
    generatePatient({ seed: 2024, index: 100, agency: defaultAgencies('FR').gp }),
    generatePatient({ seed: 2024, index: 101, agency: defaultAgencies('GB').gp }),
    generatePatient({ seed: 2024, index: 102, agency: defaultAgencies('FR').specialist }),
    generatePatient({ seed: 2024, index: 103, country: 'GB', resourcesPerPatient: 150 }),
  ];

  it('generates 20 patients whose every resource is valid', () => {
    expect(patients).toHaveLength(20);
    const invalid = patients.flatMap((p) =>
      p.entries
        .map((e) => ({ type: e.resource.resourceType, issues: validator.validate(e.resource) }))
        .filter((r) => r.issues.length > 0),
    );
    expect(invalid).toEqual([]);
  });

  it.each(['create', 'conditional-update'] as const)('writes valid %s transaction Bundles', (mode) => {
    for (const p of patients) expect(validator.validate(toTransactionBundle(p, mode))).toEqual([]);
  });
});
