import type { Environment } from '../config/index.ts';

/** Environment variables, working folder and output streams of a command, replaceable so tests can run commands in-process. */
export interface CommandEnvironment {
  readonly env: Environment;
  readonly cwd: string;
  /** Write one block of text and a newline to standard output. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function processEnvironment(): CommandEnvironment {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  };
}
