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
    stdout: lineWriter(process.stdout),
    stderr: lineWriter(process.stderr),
  };
}

/**
 * Write lines to a standard stream until its reader goes away. `syncline … | head -2` closes the pipe early; the
 * write then fails with EPIPE, which would end the process with an unhandled 'error' event. The command instead
 * finishes its work quietly and prints nothing more.
 */
function lineWriter(stream: NodeJS.WritableStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') {
      throw error;
    }
    closed = true;
  });

  return (text) => {
    if (!closed) {
      stream.write(`${text}\n`);
    }
  };
}
