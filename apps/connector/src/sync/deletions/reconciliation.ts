import type { Bundle } from 'fhir/r4';
import type { CursorStore } from '../../cursors/cursor-store';
import type { FhirEndpoint } from '../../fhir/fhir-endpoint';
import { matchesOf } from '../outcomes';
import { type IdentifierKey, identifierKey, identifierToken } from '../references';

/** Where a type's last inventory is kept: local id → identifier token, as JSON. */
export const inventoryStream = (type: string): string => `inventory:${type}`;
/** When a type was last reconciled (ISO instant). */
export const reconciledStream = (type: string): string => `reconciled:${type}`;

/** Largest page asked for while listing a type. */
const INVENTORY_PAGE = 1000;

/**
 * Deletions found without the server's history: every `interval`, the type's current resources
 * are listed (ids and identifiers only) and compared with the inventory kept from the last time;
 * an id gone since is a deletion, named by the identifier it had. The inventory is stored only
 * after the caller has withdrawn what was found (`commit`), so a crash in between finds the same
 * deletions again. The first inventory finds nothing. For servers without type history: it
 * reads the whole type each time, so its interval is long (DELETIONS_RECONCILE_INTERVAL_MS).
 */
export class Reconciliation {
  constructor(
    private readonly agency: FhirEndpoint,
    private readonly cursors: CursorStore,
    private readonly intervalMs: number,
    private readonly retry: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Whether the type is due for a reconciliation. */
  async due(type: string): Promise<boolean> {
    const last = await this.cursors.get(reconciledStream(type));
    return last === undefined || this.now().getTime() - Date.parse(last) >= this.intervalMs;
  }

  /** The identifiers of what disappeared since the last inventory, and how to store the new one. */
  async deletions(type: string): Promise<{ gone: IdentifierKey[]; commit: () => Promise<void> }> {
    const current = await this.inventory(type);
    const stored = await this.cursors.get(inventoryStream(type));
    const previous = stored === undefined ? undefined : (JSON.parse(stored) as Record<string, string>);
    const gone: IdentifierKey[] = [];
    if (previous !== undefined)
      for (const [id, token] of Object.entries(previous)) if (!(id in current)) gone.push(parseToken(token));
    const at = this.now().toISOString();
    return {
      gone,
      commit: async () => {
        await this.cursors.set(inventoryStream(type), JSON.stringify(current));
        await this.cursors.set(reconciledStream(type), at);
      },
    };
  }

  /** Every current resource of the type with an identifier: local id → identifier token. */
  private async inventory(type: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let bundle: Bundle | undefined = await this.retry(() =>
      this.agency.search(type, { _count: INVENTORY_PAGE, _elements: 'identifier' }),
    );
    while (bundle !== undefined) {
      for (const r of matchesOf(bundle, type)) {
        const key = identifierKey(r);
        if (r.id !== undefined && key) out[r.id] = identifierToken(key);
      }
      const page: Bundle = bundle;
      bundle = await this.retry(() => this.agency.nextPage(page));
    }
    return out;
  }
}

/** `system|value` (escaped as identifierToken writes it) back to its key. */
function parseToken(token: string): IdentifierKey {
  const [system, value] = token.split(/(?<!\\)\|/).map((p) => p.replace(/\\([\\|,$])/g, '$1'));
  return { system, value };
}
