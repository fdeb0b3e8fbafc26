import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashPassword, PasswordRuleError } from '../auth/passwords.ts';
import type { SynclineConfig } from '../config/index.ts';
import { USER_ROLES, type UserRole } from '../domain/users.ts';
import type { SynclineStore } from '../store/index.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { readNewPassword } from './password-input.ts';
import { openStoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface UsersAddOptions {
  readonly org?: string;
  readonly email?: string;
  readonly role?: string;
  /** Commander's `--no-password` sets this to false. */
  readonly password?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
}

const emailSchema = z.email();

/**
 * `syncline users add --org ORG --email E --role admin|user`: a person who may sign in to the API and dashboard.
 * The password comes from a prompt or standard input (see password-input.ts); `--no-password` makes a user who
 * signs in through the org's OIDC provider only.
 */
export async function runUsersAdd(options: UsersAddOptions, environment: CommandEnvironment, readPassword: () => Promise<string> = readNewPassword): Promise<number> {
  const { orgId, email, role } = checkOptions(options);

  const logger = createCliLogger();
  const context = await openStoreContext({ ...(options.config === undefined ? {} : { config: options.config }), ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), env: environment.env, cwd: environment.cwd, logger });
  try {
    // The org is checked before the password is asked for, so a wrong --org costs no typing.
    await ensureOrg(context.store, context.config, orgId);
    const passwordHash = options.password === false ? null : await hashNewPassword(await readPassword());
    const id = randomUUID();
    try {
      await context.store.createUser({ id, orgId, email, role, passwordHash, createdAt: new Date().toISOString() });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new UsageError(`org '${orgId}' already has a user ${email}; pick another address`);
      }
      throw error;
    }

    const how = passwordHash === null ? "through the org's OIDC provider (GET /api/v1/auth/oidc/" + orgId + '/start)' : 'with the password (POST /api/v1/auth/sign-in)';
    environment.stdout(`Added ${role} ${email} to org '${orgId}' (user id ${id}); they sign in ${how}`);
    return 0;
  } finally {
    await context.store.close();
  }
}

function checkOptions(options: UsersAddOptions): { orgId: string; email: string; role: UserRole } {
  if (options.org === undefined || options.org.trim() === '') {
    throw new UsageError("--org: expected the id of an org, such as 'acme'; `syncline status` lists each mailbox's org");
  }
  const email = options.email?.trim().toLowerCase() ?? '';
  if (!emailSchema.safeParse(email).success) {
    throw new UsageError(`--email: expected an email address, got '${options.email ?? ''}'`);
  }
  if (!(USER_ROLES as readonly string[]).includes(options.role ?? '')) {
    throw new UsageError(`--role: expected one of ${USER_ROLES.join(', ')}, got '${options.role ?? ''}'`);
  }
  return { orgId: options.org.trim(), email, role: options.role as UserRole };
}

async function hashNewPassword(password: string): Promise<string> {
  try {
    return await hashPassword(password);
  } catch (error) {
    if (error instanceof PasswordRuleError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/**
 * Make sure the user's org exists in the store. An org of the configuration is written there now, as the next
 * start would do anyway. In sandbox mode the org exists once the sandbox has started.
 */
async function ensureOrg(store: SynclineStore, config: SynclineConfig | null, orgId: string): Promise<void> {
  if (config !== null) {
    const org = config.orgs.find((candidate) => candidate.id === orgId);
    if (org === undefined) {
      throw new UsageError(`--org: no org has the id '${orgId}' in the configuration. ${describeOrgs(config.orgs, orgId)}`);
    }
    await store.upsertOrg({ id: org.id, name: org.name });
    return;
  }

  // The store offers no list of orgs, so the sandbox's orgs are those its mailboxes belong to, listed by id.
  const known = [...new Set((await store.listMailboxes()).map((mailbox) => mailbox.orgId))].map((id) => ({ id, name: null }));
  if (!known.some((org) => org.id === orgId)) {
    if (known.length === 0) {
      throw new UsageError(`--org: no org has the id '${orgId}': the sandbox store has no org yet. Run \`syncline start\` once so that the sandbox org (id 'sandbox') exists`);
    }
    throw new UsageError(`--org: no org has the id '${orgId}' in the sandbox store. ${describeOrgs(known, orgId)}`);
  }
}

/** List the valid ids, and point out the id when the value given is an org's name (as the sandbox's banner shows it). */
function describeOrgs(orgs: readonly { readonly id: string; readonly name: string | null }[], value: string): string {
  const byName = orgs.find((org) => org.name !== null && org.name.trim().toLowerCase() === value.trim().toLowerCase());
  const valid = `Valid org ids: ${orgs.map((org) => (org.name === null ? `'${org.id}'` : `'${org.id}' (${org.name})`)).join(', ')}`;
  return byName === undefined ? `${valid}.` : `'${value}' is the name of org '${byName.id}'; pass --org ${byName.id}. ${valid}.`;
}
