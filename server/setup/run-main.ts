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
    if (error instanceof SetupError) {
      console.error(`Cannot start: ${error.message}`);
    } else {
      logger.fatal({ err: error }, 'failed');
    }
    process.exit(1);
  });
}
