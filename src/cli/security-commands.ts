import type { Command } from 'commander';
import type { CommandEnvironment } from './command-environment.ts';
import { runKeysRotate, type KeysRotateOptions } from './keys-command.ts';
import { runUsersAdd, type UsersAddOptions } from './users-command.ts';

const CONFIG_HELP = 'configuration file (JSON); default: $SYNCLINE_CONFIG, else ./syncline.config.json; without one, the sandbox store';
const DATA_DIR_HELP = 'folder of the sandbox store (sandbox only); default: $SYNCLINE_DATA_DIR, else ./.syncline';

/** `syncline users add` and `syncline keys rotate`. */
export function addSecurityCommands(program: Command, environment: CommandEnvironment, setExitCode: (code: number) => void): void {
  const users = program.command('users').description('Manage the people who sign in to the API and dashboard.');
  users
    .command('add')
    .description('Add a user or admin to an org. The password is asked for on a terminal (twice) or read from standard input; at least 12 characters.')
    .requiredOption('--org <id>', 'the org id, as in the configuration')
    .requiredOption('--email <address>', 'the address the user signs in with; a user sees the mailbox with this address')
    .requiredOption('--role <role>', 'admin (every mailbox of the org, org settings) or user (own mailbox only)')
    .option('--no-password', 'no password: the user signs in through the org\'s OIDC provider only')
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: UsersAddOptions) => {
      setExitCode(await runUsersAdd(options, environment));
    });

  const keys = program.command('keys').description('Manage the keys that encrypt stored credentials (SYNCLINE_ENCRYPTION_KEY or SYNCLINE_ENCRYPTION_KEY_FILE).');
  keys
    .command('rotate')
    .description(
      'Re-encrypt every stored credential under a new key. With SYNCLINE_ENCRYPTION_KEY_FILE the command makes the new key and retires the old ones itself; ' +
        'with SYNCLINE_ENCRYPTION_KEY, first set the new key there and the old one in SYNCLINE_ENCRYPTION_OLD_KEYS.',
    )
    .option('--config <path>', CONFIG_HELP)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: KeysRotateOptions) => {
      setExitCode(await runKeysRotate(options, environment));
    });
}
