/**
 * The Node.js flags each long-running process is started with, by `npm start`'s launcher and the
 * benchmarks; docker/compose.yaml sets the same through `NODE_OPTIONS` (keep them in step).
 * docs/operations.md, "What to expect on a small server", gives the measurements.
 *
 * V8 sizes its heap for the machine, not for the process: on a machine with a few GB of memory it
 * lets the old generation grow to up to 4 × what is still reachable before its next full
 * collection, and keeps a young generation of two 16 MB semi-spaces. A hub that holds ~65 MB of
 * live objects then reached 290 MB resident under `bench/read`, and a connector holding ~21 MB
 * reached 135–165 MB under `bench/sync`: garbage waiting for a collection V8 saw no reason to run.
 * `--max-old-space-size` caps the old generation and, below 2 GB, lowers that growth factor with
 * it (1.3 at 256 MB, ~1.4 at 512 MB): a full collection comes sooner. The cap is a hard limit (a
 * process that needs more fails with an out-of-memory error), so each is several times the
 * process's live heap: the hub's at most ~70 MB under load, a connector's ~21 MB plus the page or
 * the documents (at most `DOCUMENT_MAX_BYTES` of content) in hand. Raise them with large documents.
 */
export const NODE_FLAGS = {
  hub: ['--max-old-space-size=512'],
  connector: ['--max-semi-space-size=2', '--max-old-space-size=256'],
} as const satisfies Record<string, readonly string[]>;
