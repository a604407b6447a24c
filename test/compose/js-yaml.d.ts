/** The part of js-yaml 4 (a transitive dependency, without bundled types) that the tests use. */
declare module 'js-yaml' {
  /** Parses one YAML document (YAML 1.2 core schema, with `<<` merge keys); throws on duplicate keys. */
  export function load(text: string, options?: { filename?: string }): unknown;
}
