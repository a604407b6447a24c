import { embeddedDatabaseMemoryBytes } from '@passerelle/store';
import { Gauge, type Registry } from 'prom-client';

/**
 * Where this hub process's memory is, read at each scrape: resident set, V8's heap, memory
 * outside it (Buffers, ArrayBuffers, among them PGlite's WebAssembly memory), and the embedded
 * PostgreSQL's WebAssembly memory on its own (docs/operations.md, what to expect on a small server).
 */
export function registerMemoryGauges(registry: Registry): void {
  new Gauge({
    name: 'passerelle_process_memory_bytes',
    help: "This process's memory by kind: rss, heap_total, heap_used, external, array_buffers",
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const m = process.memoryUsage();
      this.set({ kind: 'rss' }, m.rss);
      this.set({ kind: 'heap_total' }, m.heapTotal);
      this.set({ kind: 'heap_used' }, m.heapUsed);
      this.set({ kind: 'external' }, m.external);
      this.set({ kind: 'array_buffers' }, m.arrayBuffers);
    },
  });
  new Gauge({
    name: 'passerelle_embedded_database_memory_bytes',
    help: "The embedded PostgreSQL's (PGlite's) WebAssembly memory; it only grows; 0 on PostgreSQL",
    registers: [registry],
    collect() {
      this.set(embeddedDatabaseMemoryBytes() ?? 0);
    },
  });
}
