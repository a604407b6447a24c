export { createLogger, REDACTED_PATHS, type LogLevelName } from './logger';
export { createNestLogger, PinoNestLogger } from './nest-logger';
export { installAccessLog, requestIdFrom, type AgencyOf } from './access-log';
