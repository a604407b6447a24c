export * from './queue';
export { SYNC_SCHEMA } from './schema';
export { Outbox, type OutboxRow, writeOutbox } from './outbox/outbox';
export * from './routing/rules';
export {
  DEFAULT_ROUTING_RULES,
  defaultRoutingRules,
  describeRoutingRules,
  ROUTING_RULES,
  loadRoutingRules,
  parseRoutingRules,
  readRoutingRules,
  ROUTING_RULES_VARIABLE,
  ROUTING_RULES_VERSION,
} from './routing/rules-file';
export {
  JsonSyntaxError,
  parseJsonWithLines,
  type JsonPosition,
  type LocatedJson,
} from './routing/json-lines';
export { Router, ROUTER_CLIENT_ID, type RouteResult, type RouterDependencies } from './routing/router';
export * from './feed/feed';
export * from './feed/references';
export { DEFAULT_SYNC_WORKER_OPTIONS, SyncWorker, type SyncWorkerOptions } from './worker/sync-worker';
export { OutboxListener, type WakeSource } from './worker/outbox-listener';
export { routingRules, SyncRuntimeModule, type SyncRuntimeOptions } from './sync-runtime.module';
