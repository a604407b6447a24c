/** Injection token of the Connector (see connector.ts). */
export const CONNECTOR = Symbol('CONNECTOR');
