import { Command, CommanderError } from 'commander';
import { CONFIG_PATH_VARIABLE, ConfigError, DEFAULT_CONFIG_FILE } from '../config/index.ts';
import { processEnvironment, type CommandEnvironment } from './command-environment.ts';
import { runExplain } from './explain-command.ts';
import { runForce, runResume, runStatus, runSuspend } from './mailbox-commands.ts';
import { DATA_DIR_VARIABLE, DEFAULT_DATA_DIR } from './run-context.ts';
import { runSandboxReset, runSandboxSeed } from './sandbox-commands.ts';
import { addSecurityCommands } from './security-commands.ts';
import { runStart } from './start-command.ts';
import { runSyncOnce } from './sync-command.ts';
import { runConflicts, runConflictUndo } from './conflicts-command.ts';
import { runDeletionsDecision, runDeletionsList } from './deletions-command.ts';
import { runQuarantineList, runQuarantineRestore } from './quarantine-command.ts';
import { UsageError } from './usage-error.ts';
import { runWorker } from './worker-command.ts';

export const EXIT_OK = 0;
export const EXIT_SESSION_FAILED = 1;
export const EXIT_USAGE = 2;

const CONFIG_HELP = `configuration file (JSON); default: $${CONFIG_PATH_VARIABLE}, else ./${DEFAULT_CONFIG_FILE}; without one, the embedded sandbox runs`;
const DATA_DIR_HELP = `folder for the sandbox store and emulator state (sandbox only; a configuration file sets its own dataDir); default: $${DATA_DIR_VARIABLE}, else ${DEFAULT_DATA_DIR}`;

/** Run the `syncline` command line (`argv` as in `process.argv`) and return the exit code. */
export async function main(argv: readonly string[], environment: CommandEnvironment = processEnvironment()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(environment, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    return reportError(error, environment);
  }
}

function buildProgram(environment: CommandEnvironment, setExitCode: (code: number) => void): Command {
  const program = new Command('syncline')
    .description('Server-side two-way sync between mailboxes (Office 365, Exchange, Google, IMAP/CalDAV) and Salesforce: events, tasks, contacts and saved emails.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => environment.stdout(text.trimEnd()), writeErr: (text) => environment.stderr(text.trimEnd()) });

  program
    .command('start')
    .description('Run each mailbox\'s sessions on its schedule (every sessionIntervalMinutes, default 30, with jitter) and serve instant sync, until SIGINT or SIGTERM; on PostgreSQL it shares the job queue with `syncline worker`. Running sessions get 8 s to finish.')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--port <n>', 'port of the HTTP server (API, webhooks, metrics); overrides server.port (default 8787); 0 picks a free port')
    .action(async (options: { config?: string; dataDir?: string; port?: string }) => {
      setExitCode(await runStart(options, environment));
    });

  program
    .command('sync')
    .description('Run one session for every mailbox, print a summary per session, then exit (code 0 when none failed, 1 when one failed).')
    .option('--once', 'run one session per mailbox and exit (required; `syncline start` runs continuously)')
    .option('--json', 'print one JSON document {"sessions":[...]} on stdout; logs go to stderr')
    .option('--dry-run', 'print what one session per mailbox would create, update, delete and settle, and write nothing; with --json: {"plans":[...]}')
    .option('--mailbox <address>', 'sync only this mailbox (its address or id)')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: { once?: boolean; dryRun?: boolean; json?: boolean; mailbox?: string; config?: string; dataDir?: string }) => {
      setExitCode(await runSyncOnce(options, environment));
    });

  addMailboxCommands(program, environment, setExitCode);
  addSecurityCommands(program, environment, setExitCode);

  program
    .command('explain')
    .description('Print why a Salesforce record (Contact, Lead, Account, Opportunity) is linked to activities, or why Syncline created it: the rule, the matched address or domain, and the tie-break.')
    .argument('<record-id>', 'the 15- or 18-character Salesforce record id')
    .option('--json', 'print one JSON document {"recordId", "explanations": [...]} on stdout')
    .option('--org <id>', 'only explanations of this org (default: every org of the store)')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (recordId: string, options: { json?: boolean; org?: string; config?: string; dataDir?: string }) => {
      setExitCode(await runExplain(recordId, options, environment));
    });

  program
    .command('worker')
    .description('Run sessions from the job queue on PostgreSQL (SYNCLINE_DATABASE_URL or store.kind "postgres"), shared by any number of worker processes and `syncline start`, until SIGINT or SIGTERM; running sessions get 8 s to finish.')
    .option('--concurrency <n>', 'sessions this process runs at once; default: maxConcurrentSessions of the configuration (4)')
    .option('--config <path>', CONFIG_HELP)
    .action(async (options: { concurrency?: string; config?: string }) => {
      setExitCode(await runWorker(options, environment));
    });

  const sandbox = program.command('sandbox').description('Manage the embedded sandbox (the Graph and Salesforce emulators that run when there is no configuration).');

  sandbox
    .command('reset')
    .description('Delete the sandbox store and emulator state, and seed the sample data again. Stop `syncline start` first; while it runs, reset exits with code 2.')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: { dataDir?: string }) => {
      setExitCode(await runSandboxReset(options, environment));
    });

  sandbox
    .command('seed')
    .description(
      'Import every .ics file of DIR (not its subfolders) into the sandbox mailbox, only events inside the sync window; an event seeded before (same UID) is updated, not added again. Every .eml file goes into the inbox; an email seeded before (same Message-ID) is updated, not added again. Prints what each file gave, with its warnings.',
    )
    .argument('<dir>', 'folder that holds the .ics files')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (folder: string, options: { dataDir?: string }) => {
      setExitCode(await runSandboxSeed(folder, options, environment));
    });

  return program;
}

function addMailboxCommands(program: Command, environment: CommandEnvironment, setExitCode: (code: number) => void): void {
  type StoreFlags = { config?: string; dataDir?: string };
  program
    .command('status')
    .description('List every mailbox with its state (active, syncing, suspendedByUser, suspendedByError, disconnected), the reason, its last session and status, and its next session.')
    .option('--json', 'print one JSON document {"mailboxes":[...]} on stdout')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: StoreFlags & { json?: boolean }) => {
      setExitCode(await runStatus(options, environment));
    });

  program
    .command('conflicts')
    .description('List the conflict ledger, newest first: each field both sides changed, both values, the winner and why.')
    .argument('[mailbox]', 'only this mailbox (its address or id)')
    .option('--json', 'print one JSON document {"conflicts":[...]} on stdout')
    .option('--limit <n>', 'decisions per mailbox and object kind (default 50)')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (mailbox: string | undefined, options: StoreFlags & { json?: boolean; limit?: string }) => {
      setExitCode(await runConflicts(mailbox, options, environment));
    });
  addReviewCommands(program, environment, setExitCode);

  program
    .command('force')
    .description('Run a session for MAILBOX now and print its summary: on PostgreSQL through the job queue (waiting up to 60 s for the report); on SQLite here, or by a running `syncline start` within a few seconds.')
    .argument('<mailbox>', 'the mailbox address or id')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (mailbox: string, options: StoreFlags) => {
      setExitCode(await runForce(mailbox, options, environment));
    });

  program
    .command('suspend')
    .description('Stop the sessions of MAILBOX until `syncline resume`; its links and cursors are kept.')
    .argument('<mailbox>', 'the mailbox address or id')
    .option('--reason <text>', 'why, shown by `syncline status`')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (mailbox: string, options: StoreFlags & { reason?: string }) => {
      setExitCode(await runSuspend(mailbox, options, environment));
    });

  program
    .command('resume')
    .description('Lift the suspension of MAILBOX (by a person or by an error), or connect it again when it is disconnected but configured, and schedule a session now; it continues where it stopped.')
    .argument('<mailbox>', 'the mailbox address or id')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (mailbox: string, options: StoreFlags) => {
      setExitCode(await runResume(mailbox, options, environment));
    });
}

/**
 * Register the review commands. A parent command reads options given after its subcommand too, so each subcommand
 * takes them from both.
 */
function addReviewCommands(program: Command, environment: CommandEnvironment, setExitCode: (code: number) => void): void {
  type Flags = { json?: boolean; config?: string; dataDir?: string };
  const conflicts = program.commands.find((command) => command.name() === 'conflicts');
  conflicts
    ?.command('undo')
    .description('Write the value that lost a conflict decision back to both sides in the next session of its mailbox; the undo is recorded in the ledger.')
    .argument('<id>', 'the decision id `syncline conflicts` prints in brackets (MAILBOX-ID/KIND/N)')
    .option('--json', 'print one JSON document {"undo":{...}} on stdout')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (id: string, _options: Flags, command: Command) => {
      setExitCode(await runConflictUndo(id, command.optsWithGlobals<Flags>(), environment));
    });

  const quarantine = program
    .command('quarantine')
    .description('List the items sessions deleted, kept restorable for policy.quarantineDays (default 30), newest first.')
    .argument('[mailbox]', 'only this mailbox (its address or id)')
    .option('--json', 'print one JSON document {"quarantine":[...]} on stdout, with the values each item held')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (mailbox: string | undefined, options: Flags) => {
      setExitCode(await runQuarantineList(mailbox, options, environment));
    });
  quarantine
    .command('restore')
    .description('Make a quarantined item again, in the next session of its mailbox, on the side it was deleted from, and link it again.')
    .argument('<id>', 'the entry id `syncline quarantine` prints')
    .option('--json', 'print one JSON document {"restore":{...}} on stdout')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (id: string, _options: Flags, command: Command) => {
      setExitCode(await runQuarantineRestore(id, command.optsWithGlobals<Flags>(), environment));
    });

  const deletions = program
    .command('deletions')
    .description('List the deletions the mass-delete breaker holds back for review, with the decision on each.')
    .argument('[mailbox]', 'only this mailbox (its address or id)')
    .option('--json', 'print one JSON document {"deletions":[...]} on stdout')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (mailbox: string | undefined, options: Flags) => {
      setExitCode(await runDeletionsList(mailbox, options, environment));
    });
  for (const [decision, text] of [
    ['confirm', 'Let the next session of MAILBOX make the deletions the breaker held back.'],
    ['reject', 'Make the held-back deleted items of MAILBOX again from the other side in its next session, and keep the pairs linked.'],
  ] as const) {
    deletions
      .command(decision)
      .description(text)
      .argument('<mailbox>', 'the mailbox address or id')
      .option('--json', 'print one JSON document {"mailbox","decision","deletions"} on stdout')
      .option('--config <path>', CONFIG_HELP)
      .option('--data-dir <dir>', DATA_DIR_HELP)
      .action(async (mailbox: string, _options: Flags, command: Command) => {
        setExitCode(await runDeletionsDecision(decision, mailbox, command.optsWithGlobals<Flags>(), environment));
      });
  }
}

function reportError(error: unknown, environment: CommandEnvironment): number {
  if (error instanceof CommanderError) {
    // Commander has printed the help or the usage problem already.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }

  if (error instanceof ConfigError || error instanceof UsageError) {
    environment.stderr(`syncline: ${error.message}`);
    return EXIT_USAGE;
  }

  const message = error instanceof Error ? error.message : String(error);
  environment.stderr(`syncline: ${message}`);
  return EXIT_SESSION_FAILED;
}
