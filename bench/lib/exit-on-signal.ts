/**
 * Preloaded (`node -r`) into a profiled hub: SIGTERM becomes process.exit(0), so --cpu-prof
 * writes its profile. Registered before Nest's own handler, which would re-raise the signal.
 */
process.once('SIGTERM', () => process.exit(0));
