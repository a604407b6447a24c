import { ResourceStore1764390000000 } from './1764390000000-ResourceStore';
import { DisclosureFacts1764410000000 } from './1764410000000-DisclosureFacts';
import { GinFastUpdateOff1764460000000 } from './1764460000000-GinFastUpdateOff';
import { SearchValues1765500000001 } from './1765500000001-SearchValues';
import { CompartmentPatients1765650000000 } from './1765650000000-CompartmentPatients';

/** Every migration, in order. A new migration is a new file here, never an edit of an old one. */
export const MIGRATIONS = [
  ResourceStore1764390000000,
  DisclosureFacts1764410000000,
  GinFastUpdateOff1764460000000,
  SearchValues1765500000001,
  CompartmentPatients1765650000000,
];
