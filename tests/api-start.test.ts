import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withServerPort } from '../src/cli/server-port.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('start serves the API', () => {
  let folder: string;
  let child: ChildProcess | null = null;
  let url = '';

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-start-api-'));
    const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_LOG_LEVEL: 'info' };
    delete env.SYNCLINE_CONFIG;
    delete env.SYNCLINE_DATA_DIR;
    child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'syncline.js'), 'start', '--data-dir', path.join(folder, 'data'), '--port', '0'], { cwd: folder, env, stdio: ['ignore', 'ignore', 'pipe'] });

    // The server logs its address once it listens; port 0 makes it a free one.
    url = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      // Generous: tsx compiles the whole CLI at start, which takes long on a busy 2-core machine.
      const timer = setTimeout(() => reject(new Error(`start did not log "HTTP server listening" within 120 s; stderr: ${buffered.slice(-2000)}`)), 120_000);
      child?.stderr?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"HTTP server listening"/.exec(buffered);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child?.once('exit', (code) => reject(new Error(`start exited with ${code} before listening; stderr: ${buffered.slice(-2000)}`)));
    });
  }, 130_000);

  afterAll(async () => {
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  }, 30_000);

  it('readyz, openapi and sign-in guard respond', async () => {
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/api/v1/mailboxes');
    const me = await fetch(`${url}/api/v1/me`);
    expect(me.status).toBe(401);
    expect(((await me.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });
});

describe('--port option', () => {
  const config = { server: { host: '0.0.0.0', port: 8787, publicUrl: 'https://syncline.example.com' } } as SynclineConfig;

  it('overrides server.port only', () => {
    expect(withServerPort(config, '9000').server).toEqual({ host: '0.0.0.0', port: 9000, publicUrl: 'https://syncline.example.com' });
    expect(withServerPort(config, undefined)).toBe(config);
  });

  it.each(['-1', '65536', '80a', ''])('rejects %j', (port) => {
    expect(() => withServerPort(config, port)).toThrow(/--port: expected a port number from 0 \(any free port\) to 65535/);
  });
});
