import { BENCH_ACCOUNTS } from './accounts.ts';

/**
 * The naive way to push N events into Salesforce: one `POST sobjects/Event` per record, one after another.
 * Returns the REST calls it made and the seconds it took, for comparison with the engine's batched writes.
 */
export async function runNaiveBaseline(salesforceUrl: string, count: number): Promise<{ calls: number; seconds: number }> {
  const token = await fetchToken(salesforceUrl);
  const ownerId = await fetchOwnerId(token);
  const started = performance.now();
  let calls = 0;

  for (let index = 0; index < count; index += 1) {
    const start = new Date(Date.parse('2028-01-01T00:00:00Z') + index * 45 * 60_000);
    const response = await fetch(`${token.instanceUrl}/services/data/v62.0/sobjects/Event`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        OwnerId: ownerId,
        Subject: `Baseline meeting ${index}`,
        StartDateTime: start.toISOString(),
        EndDateTime: new Date(start.getTime() + 30 * 60_000).toISOString(),
      }),
    });
    calls += 1;
    if (!response.ok) {
      throw new Error(`Baseline insert ${index} failed with HTTP ${response.status}: ${await response.text()}`);
    }
  }

  return { calls, seconds: (performance.now() - started) / 1000 };
}

async function fetchToken(salesforceUrl: string): Promise<{ accessToken: string; instanceUrl: string }> {
  const response = await fetch(`${salesforceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: BENCH_ACCOUNTS.salesforce.clientId,
      client_secret: BENCH_ACCOUNTS.salesforce.clientSecret,
      refresh_token: 'bench-refresh',
    }),
  });
  const body = (await response.json()) as { access_token: string; instance_url: string };
  return { accessToken: body.access_token, instanceUrl: body.instance_url };
}

async function fetchOwnerId(token: { accessToken: string; instanceUrl: string }): Promise<string> {
  const query = encodeURIComponent(`SELECT Id FROM User WHERE Email = '${BENCH_ACCOUNTS.mailbox}'`);
  const response = await fetch(`${token.instanceUrl}/services/data/v62.0/query?q=${query}`, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  const body = (await response.json()) as { records: { Id: string }[] };
  const owner = body.records[0];
  if (!owner) {
    throw new Error(`No Salesforce user with email ${BENCH_ACCOUNTS.mailbox} in the emulator`);
  }
  return owner.Id;
}
