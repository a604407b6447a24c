/**
 * What a lib's tests need, without the hub: fresh databases, agency rows, the shared consent scenarios, the
 * test checkpoint key, minimal resources of every type. Libs import it as
 * `@passerelle/testing-lib`; `@passerelle/testing` (the end-to-end support: a running hub,
 * agencies registered through its admin API, built apps as processes) re-exports it, and loads
 * the whole hub.
 */
export * from './databases';
export * from './agency-rows';
export * from './checkpoint-key';
export * from './consents';
export * from './minimal-resources';
export * from './imports';
