/**
 * At most `size` entries, the least recently used dropped first (a Map's order is its insertion
 * order: a hit is moved to the end).
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly size: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as K);
  }
}
