import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { main } from '../src/cli/main.ts';
import type { MailMessage } from '../src/domain/email-message.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createGraphMessageSource } from '../src/mailbox/graph/index.ts';
import { startSandbox, type SandboxReadyMessage } from '../emulators/sandbox.ts';
import { testEml } from '../emulators/graph/test-eml.ts';

const SANDBOX_DOMAIN = '@sandbox.example.com';

function captured(cwd: string): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

describe('sandbox sample emails', () => {
  let dataDir: string;
  let ready: SandboxReadyMessage;
  let secondStart: SandboxReadyMessage;
  let messages: Map<string, MailMessage>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-sandbox-mail-'));
    const sandbox = await startSandbox({ dataDir });
    ready = sandbox.ready;
    try {
      const source = createGraphMessageSource({
        graphBaseUrl: `${ready.graph.url}/v1.0`,
        tokenUrl: `${ready.graph.url}/${ready.graph.tenantId}/oauth2/v2.0/token`,
        clientId: ready.graph.clientId,
        clientSecret: ready.graph.clientSecret,
        userId: ready.mailbox.address,
        mailboxTimeZone: ready.mailbox.timeZone,
        logger: createSilentLogger(),
      });
      await source.ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });
      const pulled = await source.pullMessages(null, { folders: ['inbox', 'sent', 'salesforce'], since: new Date(Date.now() - 86_400_000).toISOString() });
      messages = new Map();
      for (const change of pulled.changes) {
        if (change.kind === 'upsert') {
          const suffix = change.item.folder === 'sent' ? ' (sent)' : '';
          messages.set(`${change.item.subject}${suffix}`, change.item);
        }
      }
    } finally {
      await sandbox.close();
    }

    const again = await startSandbox({ dataDir });
    secondStart = again.ready;
    await again.close();
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds every sample file once', () => {
    expect(ready.sampleMail?.map((result) => [result.file, result.folder, result.outcome])).toEqual([
      ['01-northwind-renewal-terms.eml', 'Inbox', 'added'],
      ['02-northwind-renewal-reply.eml', 'Sent Items', 'added'],
      ['03-northwind-renewal-follow-up.eml', 'Inbox', 'added'],
      ['04-fabrikam-purchase-order.eml', 'Salesforce', 'added'],
      ['05-contoso-workshop-agenda.eml', 'Salesforce', 'added'],
      ['06-industry-weekly-newsletter.eml', 'Inbox', 'added'],
      ['07-team-lunch.eml', 'Inbox', 'added'],
    ]);
    expect(ready.sampleMail?.flatMap((result) => result.warnings)).toEqual([]);
    expect(secondStart.sampleMail).toBeNull();
  });

  it('has a thread whose newer reply lacks the category', () => {
    const first = messages.get('Renewal terms for 2027');
    const reply = messages.get('Re: Renewal terms for 2027');
    const sent = messages.get('Re: Renewal terms for 2027 (sent)');

    expect(first?.categories).toEqual(['Salesforce']);
    expect(reply?.categories).toEqual([]);
    expect(reply?.conversationId).toBe(first?.conversationId);
    expect(sent?.conversationId).toBe(first?.conversationId);
    expect(reply?.references).toEqual(['<renewal-terms-2027@northwind.example.com>', '<reply-renewal-terms@sandbox.example.com>']);
    expect(Date.parse(reply?.sentAt ?? '')).toBeGreaterThan(Date.parse(first?.sentAt ?? ''));
  });

  it('files two emails in the Salesforce folder, one with a PDF', () => {
    const order = messages.get('Purchase order 4711 for the volume licences');

    expect(order?.folder).toBe('salesforce');
    expect(order?.attachments.map((attachment) => [attachment.name, attachment.contentType])).toEqual([['PO-4711.pdf', 'application/pdf']]);
    expect(messages.get('Agenda for the onboarding workshop')?.folder).toBe('salesforce');
    expect(messages.get('Agenda for the onboarding workshop')?.bodyHtml).toContain('<ol>');
  });

  it('has a bulk newsletter and an internal-only email', () => {
    const newsletter = messages.get('Industry Weekly #212: five trends in field sales');
    const lunch = messages.get('Team lunch on Friday?');
    const people = [lunch?.from, ...(lunch?.to ?? []), ...(lunch?.cc ?? [])];

    expect(newsletter?.headers['list-unsubscribe']).toContain('mailto:unsubscribe@industry-weekly.example.org');
    expect(newsletter?.headers.precedence).toBe('bulk');
    expect(people).toHaveLength(3);
    expect(people.every((person) => person?.address.endsWith(SANDBOX_DOMAIN))).toBe(true);
  });
});

describe('syncline sandbox seed with .eml files', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-seed-eml-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('imports emails into the inbox, then leaves them unchanged', async () => {
    const folder = path.join(work, 'mail');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'question.eml'), testEml({ subject: 'A question about pricing', messageId: '<question-1@customer.example.com>' }));
    writeFileSync(path.join(folder, 'no-id.eml'), testEml({ subject: 'No Message-ID here', messageId: null }));
    const dataDir = path.join(work, 'data');

    const first = captured(work);
    const firstCode = await main(['node', 'syncline', 'sandbox', 'seed', folder, '--data-dir', dataDir], first);
    const second = captured(work);
    const secondCode = await main(['node', 'syncline', 'sandbox', 'seed', folder, '--data-dir', dataDir], second);

    expect(firstCode, first.err.join('\n')).toBe(0);
    expect(first.out).toContain('Seeded 2 emails (added 2, updated 0, unchanged 0) into the mailbox of alex.morgan@sandbox.example.com:');
    const added = first.out.find((line) => line.startsWith('  question.eml: added to Inbox (message id '));
    expect(added).toBeDefined();
    expect(first.out).toContain('    warning: no Message-ID header: seeding matches this file by its content instead');
    expect(first.out.some((line) => line.includes('events'))).toBe(false);
    expect(secondCode, second.err.join('\n')).toBe(0);
    expect(second.out).toContain('Seeded 2 emails (added 0, updated 0, unchanged 2) into the mailbox of alex.morgan@sandbox.example.com:');
    // The second seeding names the same message as the first.
    expect(second.out).toContain(added?.replace('added to Inbox', 'unchanged (in Inbox)'));
  });

  it('rejects a folder without seedable files', async () => {
    const empty = path.join(work, 'empty');
    mkdirSync(empty);

    const io = captured(work);
    const code = await main(['node', 'syncline', 'sandbox', 'seed', empty, '--data-dir', path.join(work, 'data')], io);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toMatch(/no \.ics, \.eml.* files in this folder/);
  });
});
