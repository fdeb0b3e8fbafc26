/**
 * Entry point of the sandbox process that `syncline` starts as a child:
 *
 *   node --import tsx emulators/sandbox-main.ts --data-dir DIR [--reset] [--seed ICS_FOLDER]
 *     [--owner-pid PID --owner-command COMMAND]
 *
 * Besides the Graph mailbox the sandbox runs an Exchange (EWS) mailbox, a Google Workspace mailbox and, where Dovecot
 * and Radicale are installed, an IMAP/CalDAV mailbox. SYNCLINE_SANDBOX_EWS=0, SYNCLINE_SANDBOX_GOOGLE=0 and
 * SYNCLINE_SANDBOX_IMAP=0 in the environment turn each off. A mailbox the sandbox runs without, though asked for, is
 * named in one line on stderr with the reason.
 *
 * It prints exactly one JSON line on stdout (the ready message, or `{"error": "..."}`, with `inUse` naming the
 * command that uses the data folder when that is the reason), then keeps the emulators running until its
 * stdin closes (the parent exited) or it receives SIGTERM.
 */
import { parseArgs } from 'node:util';
import { SandboxLockedError, type SandboxOwner } from './sandbox-lock.ts';
import { startSandbox, type RunningSandbox } from './sandbox.ts';

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      reset: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'owner-pid': { type: 'string' },
      'owner-command': { type: 'string' },
    },
    strict: true,
  });

  const dataDir = values['data-dir'];
  if (!dataDir) {
    throw new Error('missing --data-dir DIR: the folder that holds the sandbox state');
  }

  const ownerPid = Number(values['owner-pid']);
  const owner: SandboxOwner | null = Number.isInteger(ownerPid) && ownerPid > 0 ? { pid: ownerPid, command: values['owner-command'] ?? null } : null;
  const sandbox = await startSandbox({
    dataDir,
    reset: values.reset,
    seedDir: values.seed ?? null,
    owner,
    google: switchedOn('SYNCLINE_SANDBOX_GOOGLE'),
    ews: switchedOn('SYNCLINE_SANDBOX_EWS'),
    imapCaldav: switchedOn('SYNCLINE_SANDBOX_IMAP'),
  });
  for (const notice of sandbox.ready.notices) {
    console.error(notice);
  }
  process.stdout.write(`${JSON.stringify(sandbox.ready)}\n`);
  waitForParent(sandbox);
}

/** Return whether a mailbox kind is on: it is, unless its variable is 0, false, no or off. */
function switchedOn(variable: string): boolean {
  const value = process.env[variable]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '1' || value === 'true' || value === 'yes' || value === 'on') {
    return true;
  }
  if (value === '0' || value === 'false' || value === 'no' || value === 'off') {
    return false;
  }
  throw new Error(`${variable}=${process.env[variable]} is invalid: set it to 0 to run the sandbox without that mailbox, or 1 (the default) to run it`);
}

function waitForParent(sandbox: RunningSandbox): void {
  let closing = false;
  const shutdown = () => {
    if (closing) {
      return;
    }
    closing = true;
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Sandbox: closing the emulators failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };

  // Ctrl-C reaches the whole process group; the parent finishes its running session first and then closes
  // our stdin, so the emulators must outlive that signal.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}

run().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const inUse = error instanceof SandboxLockedError ? { sandboxDir: error.sandboxDir, pid: error.holder.pid, command: error.holder.command } : undefined;
  process.stdout.write(`${JSON.stringify({ error: message, inUse })}\n`);
  process.exit(1);
});
