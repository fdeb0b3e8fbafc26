import { toId18 } from '../crm/salesforce/record-id.ts';
import type { LinkExplanationRow } from '../store/linking-records.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { openStoreContext } from './store-context.ts';
import { UsageError } from './usage-error.ts';

export interface ExplainOptions {
  readonly json?: boolean;
  readonly org?: string;
  readonly config?: string;
  readonly dataDir?: string;
}

const RECORD_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

const USES: Readonly<Record<string, string>> = {
  who: 'linked as the person (WhoId) of',
  what: 'linked as the related record (WhatId) of',
  relation: 'related as a participant of',
  created: 'created by Syncline for',
  linkSet: 'given a link by Syncline, as',
};

/** `syncline explain RECORD_ID [--json] [--org ID]`: why a Salesforce record is linked to activities or was created. */
export async function runExplain(recordId: string, options: ExplainOptions, environment: CommandEnvironment): Promise<number> {
  if (!RECORD_ID.test(recordId.trim())) {
    throw new UsageError(`'${recordId}' is not a Salesforce record id: give the 15- or 18-character id, e.g. 003000000000001AAA`);
  }
  const context = await openStoreContext({ ...options, env: environment.env, cwd: environment.cwd, logger: createCliLogger() });
  try {
    // Salesforce returns 18-character ids, which is how the engine stores them.
    const rows = await context.store.listLinkExplanations(options.org ?? null, toId18(recordId.trim()));
    if (options.json) {
      environment.stdout(JSON.stringify({ recordId: recordId.trim(), explanations: rows }));
      return 0;
    }
    if (rows.length === 0) {
      environment.stdout(`${recordId}: Syncline has not linked or created this record${options.org === undefined ? '' : ` in org ${options.org}`}.`);
      return 0;
    }
    environment.stdout(`${rows[0]!.object} ${recordId}:`);
    for (const row of rows) {
      environment.stdout(describeRow(row));
    }
    return 0;
  } finally {
    await context.store.close();
  }
}

function describeRow(row: LinkExplanationRow): string {
  const use = USES[row.use] ?? row.use;
  const article = /^[AEIOU]/.test(row.activity) ? 'an' : 'a';
  const times = row.times === 1 ? `on ${row.lastAt}` : `${row.times} times, ${row.firstAt} to ${row.lastAt}`;
  return `- ${use} ${article} ${row.activity} (org ${row.orgId}), ${times}\n  rule ${row.rule}: ${row.detail}`;
}
