export * from './subset';
export type { SummaryTables } from './summary-elements.derive';
