import type { Identifier, Organization } from 'fhir/r4';
import { FINESS_SYSTEM, localIdentifier, localSystem, ODS_SYSTEM } from './identifiers';
import type { AgencyIdentity, Country, DefaultAgencies } from './types';

/**
 * The demo's three agencies per country. Their Organizations carry national identifiers only
 * (FINESS, ODS): each agency that records an Organization adds its own local identifier, so two
 * agencies' copies of the same practice never answer the same conditional criteria.
 */

const PROVIDER_TYPE = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/organization-type',
      code: 'prov',
      display: 'Healthcare Provider',
    },
  ],
};

interface AgencySpec {
  readonly id: string;
  readonly host: string;
  readonly name: string;
  readonly national: Identifier;
  readonly phone: string;
  readonly line: string;
  readonly city: string;
  readonly postalCode: string;
}

const SPECS: Readonly<Record<Country, Readonly<Record<keyof DefaultAgencies, AgencySpec>>>> = {
  FR: {
    hospital: {
      id: 'hospital',
      host: 'hospital.example.org',
      name: 'Centre hospitalier universitaire de Belle-Rive',
      national: { system: FINESS_SYSTEM, value: '690999017' },
      phone: '+33 4 65 71 10 00',
      line: '12 avenue des Tilleuls',
      city: 'Lyon',
      postalCode: '69003',
    },
    gp: {
      id: 'gp',
      host: 'gp.example.org',
      name: 'Maison de santé pluriprofessionnelle des Canuts',
      national: { system: FINESS_SYSTEM, value: '690999025' },
      phone: '+33 4 65 71 20 00',
      line: '3 rue d’Austerlitz',
      city: 'Lyon',
      postalCode: '69004',
    },
    specialist: {
      id: 'specialist',
      host: 'specialist.example.org',
      name: 'Clinique cardiologique du Parc',
      national: { system: FINESS_SYSTEM, value: '690999033' },
      phone: '+33 4 65 71 30 00',
      line: '155 boulevard de l’Hôpital-Militaire',
      city: 'Lyon',
      postalCode: '69006',
    },
  },
  GB: {
    hospital: {
      id: 'hospital-gb',
      host: 'hospital-gb.example.org',
      name: 'Riverside General Hospital',
      national: { system: ODS_SYSTEM, value: 'RZZ01' },
      phone: '+44 113 496 0000',
      line: 'Great George Street',
      city: 'Leeds',
      postalCode: 'LS1 3EX',
    },
    gp: {
      id: 'gp-gb',
      host: 'gp-gb.example.org',
      name: "St Anne's Surgery",
      national: { system: ODS_SYSTEM, value: 'Y99901' },
      phone: '+44 113 496 0100',
      line: '41 Kirkgate',
      city: 'Leeds',
      postalCode: 'LS2 7DJ',
    },
    specialist: {
      id: 'specialist-gb',
      host: 'specialist-gb.example.org',
      name: 'Northern Heart Clinic',
      national: { system: ODS_SYSTEM, value: 'NZZ01' },
      phone: '+44 113 496 0200',
      line: '8 Park Square East',
      city: 'Leeds',
      postalCode: 'LS1 2LH',
    },
  },
};

function agency(spec: AgencySpec, country: Country): AgencyIdentity {
  return {
    id: spec.id,
    identifierSystem: `https://${spec.host}/fhir/sid`,
    organization: {
      resourceType: 'Organization',
      identifier: [{ use: 'official', ...spec.national }],
      active: true,
      type: [PROVIDER_TYPE],
      name: spec.name,
      telecom: [{ system: 'phone', value: spec.phone, use: 'work' }],
      address: [{ use: 'work', line: [spec.line], city: spec.city, postalCode: spec.postalCode, country }],
    },
  };
}

/** A hospital, a GP practice and a specialist clinic (fresh objects on every call). */
export function defaultAgencies(country: Country = 'FR'): DefaultAgencies {
  const specs = SPECS[country];
  return {
    hospital: agency(specs.hospital, country),
    gp: agency(specs.gp, country),
    specialist: agency(specs.specialist, country),
  };
}

/** 'FR' or 'GB' when the agency's first address says so. */
export function agencyCountry(agencyIdentity: AgencyIdentity): Country | undefined {
  const country = agencyIdentity.organization.address?.[0]?.country?.toUpperCase();
  if (country === 'FR' || country === 'FRA' || country === 'FRANCE') return 'FR';
  if (country === 'GB' || country === 'GBR' || country === 'UK') return 'GB';
  return undefined;
}

/**
 * `subject`'s Organization as recorded by `viewer`: a copy without server-assigned id and
 * version, whose first identifier is the viewer's local one (the key of conditional writes).
 */
export function organizationAsSeenBy(viewer: AgencyIdentity, subject: AgencyIdentity): Organization {
  const copy = structuredClone(subject.organization);
  delete copy.id;
  if (copy.meta !== undefined) {
    delete copy.meta.versionId;
    delete copy.meta.lastUpdated;
    if (Object.keys(copy.meta).length === 0) delete copy.meta;
  }
  const system = localSystem(viewer, 'organization');
  const others = (copy.identifier ?? []).filter((identifier) => identifier.system !== system);
  copy.identifier = [localIdentifier(viewer, 'organization', subject.id), ...others];
  return copy;
}
