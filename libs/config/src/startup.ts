import type { LogLevel } from '@nestjs/common';
import { ConfigError } from './env';

export const LOG_LEVEL_NAMES = ['error', 'warn', 'log', 'debug'] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** `LOG_LEVEL=warn` means warnings and everything worse. */
export function nestLogLevels(level: LogLevelName): LogLevel[] {
  const all: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];
  return all.slice(0, all.indexOf(level) + 1);
}

/** A bad environment stops the process before anything starts, with a message a person can act on. */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** `--help` or `-h` among the arguments: the process prints its usage and exits 0. */
export function exitWithHelpIfAsked(argv: readonly string[], usage: string): void {
  if (!argv.some((a) => a === '--help' || a === '-h')) return;
  console.log(usage);
  process.exit(0);
}
