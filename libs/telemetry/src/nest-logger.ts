import type { LoggerService, LogLevel } from '@nestjs/common';
import type { Logger } from 'pino';
import { createLogger, type LogLevelName } from './logger';

/**
 * Nest's logger (Logger.log, the framework's own start-up lines) written through pino as JSON:
 * the context becomes a field, an error's stack the `err` field. Messages are strings the code
 * wrote; an object is logged under `data`, where the redaction paths reach it.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    params: unknown[],
  ): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (level === 'error' || level === 'fatal') {
      // Nest passes (message, stack, context) for errors.
      const stack = params.length >= 2 ? params[0] : undefined;
      if (typeof stack === 'string') fields.err = { stack };
    }
    if (message instanceof Error) fields.err = message;
    if (typeof message === 'string') this.logger[level](fields, message);
    else if (message instanceof Error) this.logger[level](fields, message.message);
    else this.logger[level]({ ...fields, data: message }, 'data');
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** The same logger with a fixed context, for code that logs before Nest's Logger is set up. */
  forContext(context: string): LoggerService {
    return {
      log: (message: unknown) => this.log(message, context),
      error: (message: unknown, stack?: string) => this.error(message, stack, context),
      warn: (message: unknown) => this.warn(message, context),
      debug: (message: unknown) => this.debug(message, context),
      verbose: (message: unknown) => this.verbose(message, context),
      fatal: (message: unknown) => this.fatal(message, context),
    };
  }

  /** Nest's own level list (tests pass e.g. ['fatal']): the most verbose one listed wins. */
  setLogLevels(levels: LogLevel[]): void {
    const order: [LogLevel, string][] = [
      ['verbose', 'trace'],
      ['debug', 'debug'],
      ['log', 'info'],
      ['warn', 'warn'],
      ['error', 'error'],
      ['fatal', 'fatal'],
    ];
    this.logger.level = order.find(([nest]) => levels.includes(nest))?.[1] ?? 'silent';
  }
}

/** A process's Nest logger: JSON lines on standard output at LOG_LEVEL. */
export function createNestLogger(service: string, level: LogLevelName): PinoNestLogger {
  return new PinoNestLogger(createLogger(service, level));
}
