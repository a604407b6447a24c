/** The FHIR R4 search parameter types the hub indexes (`special` ones, such as Location's `near`, are not). */
export type SearchParamKind =
  'string' | 'token' | 'date' | 'number' | 'quantity' | 'uri' | 'reference' | 'composite';

/** One component of a composite parameter: its type and its FHIRPath, relative to the composite's node. */
export interface CompositeComponent {
  kind: Exclude<SearchParamKind, 'composite'>;
  expression: string;
}

/** A search parameter as the official R4 definitions give it, for one resource type. */
export interface GeneratedSearchParam {
  name: string;
  kind: SearchParamKind;
  /** The FHIRPath expression, restricted to this type. */
  expression: string;
  /**
   * The same as plain element paths, when the expression is only that: `a.b[x]` is a choice
   * element, `subject->Patient` keeps references to Patients only. Absent: run the FHIRPath.
   */
  paths?: readonly string[];
  /** Reference parameters: the types a reference may point to. */
  targets?: readonly string[];
  components?: readonly CompositeComponent[];
}
