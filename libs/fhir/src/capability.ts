import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { READ_ONLY_TYPES, SUPPORTED_TYPES } from './resource-types';
import { SEARCH_PARAMS } from './search/parameters';
import { SPECIAL_PARAMS } from './search/special';

const DOC_URL = 'http://hl7.org/fhir/SearchParameter';

/** States exactly what the hub supports: the types, interactions and search parameters implemented. */
export function capabilityStatement(options: {
  baseUrl: string;
  version: string;
  date: string;
}): CapabilityStatement {
  const resource = SUPPORTED_TYPES.map((type): CapabilityStatementRestResource => {
    const readOnly = READ_ONLY_TYPES.has(type);
    const interactions: CapabilityStatementRestResource['interaction'] = [
      { code: 'read' },
      { code: 'vread' },
      { code: 'search-type' },
      { code: 'history-instance' },
      { code: 'history-type' },
    ];
    if (!readOnly) interactions.push({ code: 'create' }, { code: 'update' }, { code: 'delete' });
    const entry: CapabilityStatementRestResource = {
      type,
      interaction: interactions,
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: !readOnly,
      conditionalCreate: !readOnly,
      conditionalUpdate: !readOnly,
      conditionalRead: 'not-supported',
      conditionalDelete: 'not-supported',
      referencePolicy: ['literal', 'local'],
      searchInclude: SEARCH_PARAMS[type]
        .filter((p) => p.kind === 'reference' && type !== 'AuditEvent')
        .map((p) => `${type}:${p.name}`),
      searchParam: [
        { name: '_id', type: 'token', definition: `${DOC_URL}/Resource-id` },
        { name: '_lastUpdated', type: 'date', definition: `${DOC_URL}/Resource-lastUpdated` },
        ...(type === 'AuditEvent'
          ? []
          : [
              { name: '_text', type: 'string' as const, definition: `${DOC_URL}/DomainResource-text` },
              { name: '_content', type: 'string' as const, definition: `${DOC_URL}/Resource-content` },
            ]),
        // AuditEvent: searched in the requester's view of the audit trail (libs/audit).
        ...SEARCH_PARAMS[type].map((p) => ({
          name: p.name,
          type: p.kind,
          definition: `${DOC_URL}/${type}-${p.name}`,
        })),
        ...(SPECIAL_PARAMS[type] ?? []).map((p) => ({
          name: p.name,
          type: 'special' as const,
          definition: p.definition,
        })),
      ],
    };
    if (entry.searchInclude?.length === 0) delete entry.searchInclude;
    if (type === 'Patient')
      entry.operation = [
        { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
        { name: 'summary', definition: 'http://hl7.org/fhir/uv/ips/OperationDefinition/summary' },
        { name: 'match', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-match' },
        {
          name: 'access-report',
          definition: 'https://passerelle.health/fhir/OperationDefinition/access-report',
        },
      ];
    return entry;
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'Passerelle',
    kind: 'instance',
    software: { name: 'Passerelle', version: options.version },
    implementation: { description: 'Passerelle inter-agency health record hub', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Search: every standard R4 search parameter of each type, modifiers and prefixes, chained parameters and _has (consent-checked), _count, _sort (any parameters, - descending), _include, _revinclude (:iterate), _summary (true, text, data, count, false) and _elements on search and read, _total, _text and _content (full text), Location near; an unknown parameter is a 400 unless Prefer: handling=lenient.',
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        operation: [
          { name: 'changes', definition: 'https://passerelle.health/fhir/OperationDefinition/changes' },
        ],
      },
    ],
  };
}
