import type { SearchFilter } from '@passerelle/fhir';
import type { SqlParams } from './params';

/** Mean radius of the Earth (IUGG), in kilometres. */
const EARTH_KM = 6371.0088;

const LAT = `(r.content #>> '{position,latitude}')::float8`;
const LONG = `(r.content #>> '{position,longitude}')::float8`;

/**
 * Location's `near`: the great-circle (haversine) distance from `Location.position` to the point,
 * computed from the stored content (Locations are few: no index), within any of the radii. A
 * Location without a numeric position is never near; CASE keeps the casts from running on one.
 */
export function nearSql(filter: Extract<SearchFilter, { kind: 'near' }>, p: SqlParams): string {
  const within = filter.any.map((c) => {
    const lat = `${p.add(c.latitude)}::float8`;
    const long = `${p.add(c.longitude)}::float8`;
    const a = `power(sin(radians(${LAT} - ${lat}) / 2), 2) + cos(radians(${lat})) * cos(radians(${LAT})) * power(sin(radians(${LONG} - ${long}) / 2), 2)`;
    return `2 * ${EARTH_KM} * asin(least(1, sqrt(${a}))) <= ${p.add(c.km)}::float8`;
  });
  return `CASE WHEN jsonb_typeof(r.content #> '{position,latitude}') = 'number'
    AND jsonb_typeof(r.content #> '{position,longitude}') = 'number'
    THEN (${within.join(' OR ')}) ELSE false END`;
}
