import { evalFhirPath } from '@medplum/core';
import type { Resource } from 'fhir/r4';
import { generatePatients } from '@passerelle/synthetic';
import { isSupportedType, SUPPORTED_TYPES } from '../resource-types';
import { compositePairs, parameterValues } from './extract';
import { CLINICAL_DATE_PARAM, findParam, SEARCH_PARAMS } from './parameters';

describe('the parameter table (from the R4 SearchParameter definitions)', () => {
  it('has the standard parameters of every stored type', () => {
    for (const type of SUPPORTED_TYPES) {
      const names = SEARCH_PARAMS[type].map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['_tag', '_security', '_profile']));
      expect(new Set(names).size).toBe(names.length);
    }
    expect(findParam('Patient', 'family')?.kind).toBe('string');
    expect(findParam('Patient', 'address-city')?.kind).toBe('string');
    expect(findParam('Condition', 'onset-date')?.kind).toBe('date');
    expect(findParam('Observation', 'code-value-quantity')?.components).toHaveLength(2);
    expect(findParam('Encounter', 'subject')?.targets).toEqual(expect.arrayContaining(['Patient', 'Group']));
    expect(SEARCH_PARAMS.Patient.length).toBeGreaterThan(25);
  });

  it('gives every clinical period a date parameter of its type', () => {
    for (const [type, name] of Object.entries(CLINICAL_DATE_PARAM)) {
      if (!isSupportedType(type) || name === undefined) throw new Error(type);
      expect(findParam(type, name)?.kind).toBe('date');
    }
  });

  it('walks fast paths to exactly what the FHIRPath engine finds, on synthetic records', () => {
    const resources: Resource[] = generatePatients(12, 7).flatMap((p) => p.entries.map((e) => e.resource));
    let compared = 0;
    for (const resource of resources) {
      if (!isSupportedType(resource.resourceType)) continue;
      for (const def of SEARCH_PARAMS[resource.resourceType]) {
        if (!def.paths) continue;
        const fast = parameterValues(def, resource);
        const engine = evalFhirPath(def.expression, resource);
        if (def.expression.includes('.as(')) {
          // The engine's function form `onset.as(Age)` does not test the type without a loaded
          // schema (it answers onsetDateTime too); FHIRPath's `as` keeps only that type, as the
          // fast path does. The fast path's values are the engine's, minus the other types.
          expect(engine).toEqual(expect.arrayContaining(fast));
          compared += fast.length;
          continue;
        }
        expect({ param: `${resource.resourceType}.${def.name}`, values: fast }).toEqual({
          param: `${resource.resourceType}.${def.name}`,
          values: engine,
        });
        compared += fast.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('pairs composite components by plain keys exactly as the FHIRPath engine does', () => {
    const resources: Resource[] = generatePatients(12, 7).flatMap((p) => p.entries.map((e) => e.resource));
    let pairs = 0;
    for (const resource of resources) {
      if (!isSupportedType(resource.resourceType)) continue;
      for (const def of SEARCH_PARAMS[resource.resourceType].filter((d) => d.kind === 'composite')) {
        const fast = compositePairs(def, resource);
        const engine = compositePairs(def, resource, true);
        // As above, the engine's `value.as(CodeableConcept)` also answers a valueQuantity: the
        // plain keys keep the cast type only, so each pair's values are the engine's, minus those.
        expect(fast.map(([a]) => a)).toEqual(engine.map(([a]) => a));
        fast.forEach(([, b], i) => expect(engine[i][1]).toEqual(expect.arrayContaining(b)));
        pairs += fast.filter(([a, b]) => a.length > 0 && b.length > 0).length;
      }
    }
    expect(pairs).toBeGreaterThan(200);
  });
});
