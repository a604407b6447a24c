import type { ElementDefinition, StructureDefinition } from 'fhir/r4';

/**
 * What `_summary` and `_elements` keep of a resource, per resource type, from the official R4
 * StructureDefinitions: for each element path below the type (`name`, `contact.name`,
 * `deceased[x]`) its flags, `S` summary (isSummary), `M` mandatory (min ≥ 1), `B` an element
 * with elements of its own (BackboneElement) whose children are decided one by one, or the
 * path of the element it repeats (contentReference, `#Questionnaire.item` as `item`).
 * `-`: none of these. Top-level elements are all listed (to check `_elements` names); nested ones only when they
 * are kept by something (summary, mandatory) or hold such elements.
 */
export type SummaryTables = Readonly<Record<string, Readonly<Record<string, string>>>>;

export function deriveSummaryTables(
  structureDefinitions: readonly StructureDefinition[],
  resourceTypes: readonly string[],
): SummaryTables {
  const tables: Record<string, Record<string, string>> = {};
  const wanted = new Set(resourceTypes);
  const resources = structureDefinitions
    .filter((sd) => wanted.has(sd.type) && sd.kind === 'resource' && sd.derivation !== 'constraint')
    .sort((a, b) => a.type.localeCompare(b.type));
  for (const sd of resources) {
    const elements = (sd.snapshot?.element ?? []).filter((e) => e.path.includes('.'));
    const backbones = new Set(
      elements.filter((e) => elements.some((c) => c.path.startsWith(`${e.path}.`))).map((e) => e.path),
    );
    const table: Record<string, string> = {};
    for (const element of elements) {
      const path = element.path.slice(sd.type.length + 1);
      const flags = flagsOf(element, backbones.has(element.path), sd.type);
      if (!path.includes('.') || flags !== '-') table[path] = flags;
    }
    tables[sd.type] = table;
  }
  return tables;
}

function flagsOf(element: ElementDefinition, backbone: boolean, type: string): string {
  let flags = '';
  if (element.isSummary) flags += 'S';
  if ((element.min ?? 0) >= 1) flags += 'M';
  if (backbone) flags += 'B';
  const ref = element.contentReference;
  if (ref?.startsWith(`#${type}.`)) flags += `#${ref.slice(type.length + 2)}`;
  return flags === '' ? '-' : flags;
}
