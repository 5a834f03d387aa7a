/**
 * Runs the system commands set-up needs (apt-get, pg_ctlcluster, psql) with a time limit, and
 * turns their failures into one line an operator can act on.
 */
import { spawn } from 'node:child_process';
import { SetupError } from './setup-error.js';

export type CommandResult = { stdout: string; stderr: string };

type RunOptions = {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed: how secrets reach a child without its command line (readable in /proc). */
  input?: string;
};

/** A command that exited non-zero, was killed, or could not start. `detail` is its most telling stderr line. */
export class CommandFailedError extends SetupError {
  constructor(
    readonly command: string,
    readonly detail: string,
    readonly stderr: string,
  ) {
    super(`\`${command}\` failed: ${detail}`);
  }
}

/** The last line of a command's stderr that says what went wrong (apt's `E:` lines first). */
export function mostTellingLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.filter((line) => line.startsWith('E:')).at(-1) ?? lines.at(-1);
}

export function runCommand(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      // apt-get may be in dpkg, which ignores SIGTERM for a while; don't leave it behind for ever.
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = keepTail(stdout + chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = keepTail(stderr + chunk)));
    child.stdin.on('error', () => undefined); // a child that exits before reading its input
    child.stdin.end(options.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const detail = error.code === 'ENOENT' ? `${command} is not installed` : error.message;
      reject(new CommandFailedError(shown, detail, stderr));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new CommandFailedError(shown, `no answer after ${Math.round(options.timeoutMs / 1000)} s, stopped`, stderr));
      else if (code !== 0) reject(new CommandFailedError(shown, mostTellingLine(stderr) ?? `exit ${code ?? signal}`, stderr));
      else resolve({ stdout, stderr });
    });
  });
}

// Only the end of a chatty command's output says why it failed.
const keepTail = (text: string) => (text.length > 256 * 1024 ? text.slice(-128 * 1024) : text);
