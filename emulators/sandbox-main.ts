/**
 * Entry point of the sandbox process that `syncline` starts as a child:
 *
 *   node --import tsx emulators/sandbox-main.ts --data-dir DIR [--reset] [--seed ICS_FOLDER] [--google]
 *     [--owner-pid PID --owner-command COMMAND]
 *
 * `--google`, or SYNCLINE_SANDBOX_GOOGLE=1 in the environment, adds a Google Workspace mailbox.
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
      google: { type: 'boolean', default: false },
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
  const google = values.google || process.env.SYNCLINE_SANDBOX_GOOGLE === '1';
  const sandbox = await startSandbox({ dataDir, reset: values.reset, seedDir: values.seed ?? null, owner, google });
  process.stdout.write(`${JSON.stringify(sandbox.ready)}\n`);
  waitForParent(sandbox);
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
