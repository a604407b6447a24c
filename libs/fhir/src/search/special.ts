import { badRequest } from '../outcomes';
import type { SupportedType } from '../resource-types';

/**
 * Search parameters of type `special`, which the generated table (definitions.generated.ts)
 * leaves out because no generic rule can index them: each is implemented here by hand, after
 * its R4 definition.
 *
 * Location's `near` (http://hl7.org/fhir/SearchParameter/Location-near): `lat|long|distance|units`,
 * the Locations whose `position` lies within `distance` of the point, on the Earth's surface
 * (great-circle distance). Units are UCUM: `km` (the default), `m`, `[mi_i]`, `[nmi_i]`. Without a
 * distance, the spec leaves "near" to the server: 10 km.
 */
export interface SpecialParamDef {
  name: string;
  definition: string;
}

export const SPECIAL_PARAMS: Readonly<Partial<Record<SupportedType, readonly SpecialParamDef[]>>> = {
  Location: [{ name: 'near', definition: 'http://hl7.org/fhir/SearchParameter/Location-near' }],
};

export function findSpecialParam(type: SupportedType, name: string): SpecialParamDef | undefined {
  return SPECIAL_PARAMS[type]?.find((p) => p.name === name);
}

/** A point and a radius in kilometres. */
export interface NearCondition {
  latitude: number;
  longitude: number;
  km: number;
}

export const DEFAULT_NEAR_KM = 10;

const KM_PER_UNIT: Readonly<Record<string, number>> = {
  km: 1,
  m: 0.001,
  '[mi_i]': 1.609344,
  '[nmi_i]': 1.852,
};

const DECIMAL = /^[-+]?\d+(\.\d+)?$/;

export function parseNear(raw: string): NearCondition {
  const parts = raw.split('|');
  const [lat, long, distance, units] = parts;
  if (parts.length < 2 || parts.length > 4 || !DECIMAL.test(lat) || !DECIMAL.test(long))
    throw badRequest(
      `Search parameter near: expected latitude|longitude|distance|units, e.g. 45.76|4.83|5|km`,
    );
  const latitude = Number(lat);
  const longitude = Number(long);
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
    throw badRequest('Search parameter near: latitude is -90 to 90, longitude -180 to 180');
  if (distance !== undefined && distance !== '' && (!DECIMAL.test(distance) || Number(distance) < 0))
    throw badRequest(`Search parameter near: the distance "${distance}" is not a positive number`);
  const perUnit = KM_PER_UNIT[units === undefined || units === '' ? 'km' : units];
  if (perUnit === undefined)
    throw badRequest(
      `Search parameter near: units are UCUM codes, one of ${Object.keys(KM_PER_UNIT).join(', ')}`,
    );
  const km = distance === undefined || distance === '' ? DEFAULT_NEAR_KM : Number(distance) * perUnit;
  return { latitude, longitude, km };
}
