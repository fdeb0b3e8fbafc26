import { UsageError } from './usage-error.ts';

/**
 * Read a new password: on a terminal, prompt twice without echo; otherwise take standard input up to its end, so
 * `printf %s "$PASSWORD" | syncline users add …` works in scripts. The password never appears in argv, where
 * other users of the machine could read it.
 */
export async function readNewPassword(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!input.isTTY) {
    return readPiped(input);
  }

  const first = await promptHidden('Password: ', input, output);
  const second = await promptHidden('Repeat the password: ', input, output);
  if (first !== second) {
    throw new UsageError('the two passwords differ; run the command again');
  }
  return first;
}

/** Piped input: everything up to the end, without the one line break `echo` adds. */
async function readPiped(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (text === '') {
    throw new UsageError('no password on standard input; pipe one in (printf %s "$PASSWORD" | syncline users add …), run the command on a terminal to be prompted, or pass --no-password for an OIDC-only user');
  }
  return text;
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u0008', '\u007f']);

/** Prompt on the terminal and read one line in raw mode, echoing nothing. */
function promptHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  output.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');

  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error: Error | null) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error === null) {
        resolve(value);
      } else {
        reject(error);
      }
    };

    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (ENTER.has(character)) {
          finish(null);
          return;
        }
        if (character === CTRL_C || character === CTRL_D) {
          finish(new UsageError('cancelled; no user was added'));
          return;
        }
        value = BACKSPACE.has(character) ? [...value].slice(0, -1).join('') : value + character;
      }
    };
    input.on('data', onData);
  });
}
