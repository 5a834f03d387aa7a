import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { SetupError } from './setup-error.js';

/**
 * Runs a command-line entry point: configuration parsed first, and the failures an operator must
 * fix (bad configuration, a missing service or package) printed as plain lines, not stack traces.
 */
export function runMain(main: (config: Config, logger: Logger) => Promise<void>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  main(config, logger).catch((error: unknown) => {
    console.error(`Cannot start: ${failureLine(error)}`);
    // The stack is for whoever debugs the code, not for the operator reading the first line.
    if (!(error instanceof SetupError)) logger.debug({ err: error }, 'start-up failed');
    process.exit(1);
  });
}

/** One line for any start-up failure: a SetupError says what to do; anything else is named, with where to see more. */
export function failureLine(error: unknown): string {
  if (error instanceof SetupError) return error.message;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `${text.split('\n')[0]} (LOG_LEVEL=debug shows the stack)`;
}
