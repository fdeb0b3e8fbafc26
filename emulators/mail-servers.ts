import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/**
 * Real Dovecot (IMAP) and Radicale (CalDAV/CardDAV) servers for the tests and the sandbox: each runs as a child
 * process of its caller, on a loopback port, with throwaway users. By default the data sits in a temp folder that
 * `stop()` deletes. The sandbox passes a folder of its own, which `stop()` keeps for the next start.
 * scripts/install-test-servers.sh installs both from Debian's packages.
 */

export const DOVECOT_BINARY = '/usr/sbin/dovecot';
export const RADICALE_BINARY = '/usr/bin/radicale';

export interface TestUser {
  readonly name: string;
  readonly password: string;
}

export interface ServerOptions {
  /** Folder for configuration, data and log, kept by `stop()`; absent: a temp folder that `stop()` deletes. */
  readonly dataDir?: string;
  /** Loopback port to listen on; absent or 0: a free one. */
  readonly port?: number;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  readonly users: readonly TestUser[];
  /** The folder holding the server's configuration, data and log. */
  readonly dataDir: string;
  /** The last lines the server wrote to stdout and stderr, for explaining a failure. */
  output(): string;
  stop(): Promise<void>;
}

/** Return why the servers cannot run here, or null when both binaries are installed. */
export function missingServers(): string | null {
  const missing = [DOVECOT_BINARY, RADICALE_BINARY].filter((binary) => !existsSync(binary));
  if (missing.length === 0) {
    return null;
  }
  return `${missing.join(' and ')} not installed: run scripts/install-test-servers.sh (Debian packages dovecot-imapd and radicale)`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Start Dovecot with a passwd-file user database, plaintext login on loopback and Maildir storage. */
export async function startDovecot(users: readonly TestUser[], options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = await dataFolder('dovecot', options);
  const port = options.port || (await freePort());
  const account = userInfo();
  // The login processes run as another user and must reach the sockets under run/.
  await chmod(dataDir, 0o755);
  await mkdir(path.join(dataDir, 'run'), { recursive: true, mode: 0o755 });
  await mkdir(path.join(dataDir, 'home'), { recursive: true });

  // Dovecot never runs mail processes as root, so a root test run stores the mail as Dovecot's own user.
  const owner = account.uid === 0 ? await systemUser('dovecot') : { uid: account.uid, gid: account.gid };
  for (const user of users) {
    await mkdir(path.join(dataDir, 'home', user.name), { recursive: true });
    await chown(path.join(dataDir, 'home', user.name), owner.uid, owner.gid);
  }
  const passwd = users.map((user) => `${user.name}:{PLAIN}${user.password}:${owner.uid}:${owner.gid}::${path.join(dataDir, 'home', user.name)}::`).join('\n');
  // The auth process runs as Dovecot's internal user and reads this file; the passwords are throwaway ones.
  await writeFile(path.join(dataDir, 'users'), `${passwd}\n`, { mode: 0o644 });
  await writeFile(path.join(dataDir, 'dovecot.conf'), dovecotConfig(dataDir, port, account.username), 'utf8');

  const child = spawnTied(DOVECOT_BINARY, ['-F', '-c', path.join(dataDir, 'dovecot.conf')]);
  const output = collectOutput(child);
  await waitForPort(port, child, () => readLog(path.join(dataDir, 'dovecot.log'), output));
  return { host: '127.0.0.1', port, users, dataDir, output: () => output.join(''), stop: () => stopChild(child, options.dataDir === undefined ? dataDir : null) };
}

async function dataFolder(server: string, options: ServerOptions): Promise<string> {
  if (options.dataDir === undefined) {
    return mkdtemp(path.join(tmpdir(), `syncline-${server}-`));
  }
  await mkdir(options.dataDir, { recursive: true });
  return options.dataDir;
}

/**
 * Dovecot refuses to run its login processes as root, so a root run uses the unprivileged users the Debian package
 * creates. Anyone else runs every Dovecot process as themselves.
 */
function dovecotConfig(dataDir: string, port: number, username: string): string {
  const users = username === 'root' ? { internal: 'dovecot', login: 'dovenull' } : { internal: username, login: username };
  return `
base_dir = ${dataDir}/run
state_dir = ${dataDir}/state
log_path = ${dataDir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${users.internal}
default_login_user = ${users.login}
first_valid_uid = 0
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dataDir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dataDir}/users
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
`;
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd.split('\n').find((line) => line.startsWith(`${name}:`))?.split(':');
  if (fields === undefined) {
    throw new Error(`system user ${name} not found in /etc/passwd: install the dovecot-core package, which creates it`);
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Start Radicale with htpasswd (plain) users, owner-only rights and a filesystem storage folder. */
export async function startRadicale(users: readonly TestUser[], options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = await dataFolder('radicale', options);
  const port = options.port || (await freePort());
  await writeFile(path.join(dataDir, 'users'), `${users.map((user) => `${user.name}:${user.password}`).join('\n')}\n`, { mode: 0o600 });
  await writeFile(
    path.join(dataDir, 'config'),
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${dataDir}/users`,
      'htpasswd_encryption = plain',
      'delay = 0',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${dataDir}/collections`,
      '[logging]',
      'level = warning',
      '',
    ].join('\n'),
    'utf8',
  );

  const child = spawnTied(RADICALE_BINARY, ['--config', path.join(dataDir, 'config')]);
  const output = collectOutput(child);
  await waitForPort(port, child, async () => output.join(''));
  return { host: '127.0.0.1', port, users, dataDir, output: () => output.join(''), stop: () => stopChild(child, options.dataDir === undefined ? dataDir : null) };
}

/**
 * Start a server under a shell that stops it when its standard input closes, which happens when the test process
 * ends in any way, so a crashed test leaves no server behind.
 */
function spawnTied(binary: string, args: readonly string[]): ChildProcess {
  const script = '"$0" "$@" & server=$!; trap \'kill $server; wait $server; exit 0\' TERM; cat >/dev/null; kill $server; wait $server';
  return spawn('/bin/sh', ['-c', script, binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

function collectOutput(child: ChildProcess): string[] {
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) {
      output.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return output;
}

async function readLog(file: string, output: readonly string[]): Promise<string> {
  const log = await readFile(file, 'utf8').catch(() => '');
  return `${output.join('')}${log}`;
}

async function waitForPort(port: number, child: ChildProcess, describe: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${child.spawnfile} exited with code ${child.exitCode} before listening on port ${port}:\n${await describe()}`);
    }
    if (await accepts(port)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.stdin?.end();
  throw new Error(`${child.spawnfile} did not listen on 127.0.0.1:${port} within 20 s:\n${await describe()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Stop the server, then delete `temporary` (the temp data folder), if any. */
async function stopChild(child: ChildProcess, temporary: string | null): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  if (temporary !== null) {
    await rm(temporary, { recursive: true, force: true });
  }
}
