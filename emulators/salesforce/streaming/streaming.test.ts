import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, timedEvent, type Harness } from '../test-support.ts';

type Message = Record<string, unknown>;
interface ChangeData {
  payload: { ChangeEventHeader: Record<string, unknown> } & Record<string, unknown>;
  event: { replayId: number };
}

const CHANNEL = '/data/EventChangeEvent';

/** A bare Bayeux session over real HTTP, so the tests see the wire format itself. */
class RawBayeux {
  clientId = '';
  cookie = '';
  private nextId = 1;

  constructor(private readonly h: Harness) {}

  async send(messages: Message[], token = this.h.token): Promise<{ status: number; replies: Message[] }> {
    const response = await fetch(`${this.h.emulator.url}/cometd/62.0`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify(messages.map((m) => ({ id: String(this.nextId++), clientId: this.clientId, ...m }))),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    return { status: response.status, replies: (await response.json()) as Message[] };
  }

  async handshake(): Promise<Message> {
    const { replies } = await this.send([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], ext: { replay: true } }]);
    this.clientId = String(replies[0]?.clientId ?? '');
    return replies[0] ?? {};
  }

  async subscribe(replayId?: number, channel = CHANNEL): Promise<Message> {
    const ext = replayId === undefined ? {} : { ext: { replay: { [channel]: replayId } } };
    const { replies } = await this.send([{ channel: '/meta/subscribe', subscription: channel, ...ext }]);
    return replies[0] ?? {};
  }

  async connect(immediate = false): Promise<Message[]> {
    const advice = immediate ? { advice: { timeout: 0 } } : {};
    return (await this.send([{ channel: '/meta/connect', connectionType: 'long-polling', ...advice }])).replies;
  }
}

function changes(replies: Message[]): ChangeData[] {
  return replies.filter((m) => m.channel !== '/meta/connect').map((m) => m.data as ChangeData);
}

describe('salesforce emulator streaming', () => {
  let h: Harness;
  let bayeux: RawBayeux;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  beforeEach(async () => {
    await fetch(`${h.emulator.url}/_admin/streaming/settings`, {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ longPollTimeoutMs: 2_000, overflowThreshold: 100_000, gapNext: 0, entities: ['Event'] }),
    });
    bayeux = new RawBayeux(h);
  });

  it('handshake returns a client id, advice and the replay extension', async () => {
    const reply = await bayeux.handshake();
    expect(reply).toMatchObject({ channel: '/meta/handshake', successful: true, version: '1.0',
      supportedConnectionTypes: ['long-polling'], advice: { reconnect: 'retry', interval: 0, timeout: 2_000 }, ext: { replay: true } });
    expect(bayeux.clientId).toMatch(/^[a-z0-9_-]{10,}$/);
    expect(bayeux.cookie).toMatch(/^BAYEUX_BROWSER=/);
  });

  it('handshake with a dead token is denied with reconnect none', async () => {
    const { replies } = await bayeux.send([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }], 'bogus');
    expect(replies[0]).toMatchObject({ successful: false, error: '403::Handshake denied',
      ext: { sfdc: { failureReason: '401::Authentication invalid' } }, advice: { reconnect: 'none' } });
  });

  it('connect delivers a REST create with header and fields', async () => {
    await bayeux.handshake();
    expect(await bayeux.subscribe(-1)).toMatchObject({ successful: true, subscription: CHANNEL });
    const polling = bayeux.connect();
    const created = await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'Pushed' }), { 'Sforce-Call-Options': 'client=Syncline' });
    const id = (created.body as { id: string }).id;

    const replies = await polling;
    const [event] = changes(replies);
    expect(event?.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Event', recordIds: [id], changeType: 'CREATE', changeOrigin: 'com/salesforce/api/rest/62.0;client=Syncline',
      sequenceNumber: 1, changedFields: [],
    });
    expect(event?.payload).toMatchObject({ Subject: 'Pushed' });
    expect(event?.payload).not.toHaveProperty('SystemModstamp');
    expect(typeof event?.event.replayId).toBe('number');
    expect(replies.at(-1)).toMatchObject({ channel: '/meta/connect', successful: true, advice: { reconnect: 'retry' } });
  });

  it('update names changed fields and delete carries the header only', async () => {
    const id = ((await h.api('POST', 'sobjects/Event', timedEvent())).body as { id: string }).id;
    await bayeux.handshake();
    await bayeux.subscribe(-1);
    await h.api('PATCH', `sobjects/Event/${id}`, { Location: 'Room 4' });
    await h.api('DELETE', `sobjects/Event/${id}`);

    const [update, removal] = changes(await bayeux.connect());
    expect(update?.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', changeOrigin: 'com/salesforce/api/rest/62.0' });
    expect(update?.payload.ChangeEventHeader.changedFields).toEqual(expect.arrayContaining(['Location', 'LastModifiedDate']));
    expect(update?.payload).toMatchObject({ Location: 'Room 4' });
    expect(update?.payload).not.toHaveProperty('Subject');
    expect(removal?.payload).toEqual({ ChangeEventHeader: expect.objectContaining({ changeType: 'DELETE', recordIds: [id] }) });
  });

  it('replay from a stored id returns exactly the later events', async () => {
    await bayeux.handshake();
    await bayeux.subscribe(-1);
    await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'one' }));
    const [first] = changes(await bayeux.connect());
    await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'two' }));
    await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'three' }));

    const later = new RawBayeux(h);
    await later.handshake();
    expect(await later.subscribe(first?.event.replayId)).toMatchObject({ successful: true });
    expect(changes(await later.connect()).map((e) => e.payload.Subject)).toEqual(['two', 'three']);
  });

  it('replay -2 on the all-changes channel returns retained events', async () => {
    await fetch(`${h.emulator.url}/_admin/streaming/trim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepLast: 0 }) });
    await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'retained 1' }));
    await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'retained 2' }));

    await bayeux.handshake();
    expect(await bayeux.subscribe(-2, '/data/ChangeEvents')).toMatchObject({ successful: true });
    const replies = await bayeux.connect();

    expect(changes(replies).map((e) => e.payload.Subject)).toEqual(['retained 1', 'retained 2']);
    expect(replies[0]?.channel).toBe('/data/ChangeEvents');
  });

  it('subscribe with an evicted replay id fails with the documented error', async () => {
    await h.api('POST', 'sobjects/Event', timedEvent());
    const all = await fetch(`${h.emulator.url}/_admin/streaming`).then((r) => r.json()) as { events: ChangeData[] };
    const oldest = all.events[0]?.event.replayId ?? 0;
    await fetch(`${h.emulator.url}/_admin/streaming/trim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepLast: 0 }) });

    await bayeux.handshake();
    const reply = await bayeux.subscribe(oldest);
    expect(reply).toMatchObject({ successful: false });
    expect(reply.error).toBe(`400::The replayId ${oldest} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`);
  });

  it('subscribe to an unselected object channel is refused', async () => {
    await bayeux.handshake();
    const reply = await bayeux.subscribe(-1, '/data/UserChangeEvent');
    expect(reply).toMatchObject({ successful: false, error: '400::The channel you requested to subscribe to does not exist /data/UserChangeEvent' });
  });

  it('connect from a forgotten client gets 403 unknown client with handshake advice', async () => {
    await bayeux.handshake();
    await fetch(`${h.emulator.url}/_admin/streaming/drop-clients`, { method: 'POST' });
    const [reply] = await bayeux.connect(true);
    expect(reply).toMatchObject({ channel: '/meta/connect', successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake' } });
  });

  it('connect with an expired token gets 401 with reconnect none', async () => {
    await bayeux.handshake();
    const [reply] = (await bayeux.send([{ channel: '/meta/connect', connectionType: 'long-polling' }], 'expired')).replies;
    expect(reply).toMatchObject({ successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } });
  });

  it('connect without events is held for the long-poll timeout', async () => {
    await fetch(`${h.emulator.url}/_admin/streaming/settings`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ longPollTimeoutMs: 300 }),
    });
    await bayeux.handshake();
    await bayeux.subscribe(-1);
    const started = Date.now();
    const replies = await bayeux.connect();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(replies).toEqual([expect.objectContaining({ channel: '/meta/connect', successful: true })]);
  });

  it('allOrNone rollback publishes nothing', async () => {
    await bayeux.handshake();
    await bayeux.subscribe(-1);
    await h.api('POST', 'composite/sobjects', { allOrNone: true, records: [
      { attributes: { type: 'Event' }, ...timedEvent({ Subject: 'kept?' }) },
      { attributes: { type: 'Event' }, ...timedEvent({ Subject: 'x'.repeat(300) }) },
    ] });
    await h.api('POST', 'sobjects/Event', timedEvent({ Subject: 'marker' }));
    expect(changes(await bayeux.connect()).map((e) => e.payload.Subject)).toEqual(['marker']);
  });

  it('gapNext turns the next change into a gap event without fields', async () => {
    await fetch(`${h.emulator.url}/_admin/streaming/settings`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gapNext: 1 }),
    });
    await bayeux.handshake();
    await bayeux.subscribe(-1);
    const id = ((await h.api('POST', 'sobjects/Event', timedEvent())).body as { id: string }).id;
    const [gap] = changes(await bayeux.connect());
    expect(gap?.payload).toEqual({ ChangeEventHeader: expect.objectContaining({ changeType: 'GAP_CREATE', recordIds: [id] }) });
  });

  it('a transaction over the overflow threshold ends in one GAP_OVERFLOW', async () => {
    await fetch(`${h.emulator.url}/_admin/streaming/settings`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ overflowThreshold: 2 }),
    });
    await bayeux.handshake();
    await bayeux.subscribe(-1);
    await h.api('POST', 'composite/sobjects', { allOrNone: false, records: [1, 2, 3, 4].map((n) =>
      ({ attributes: { type: 'Event' }, ...timedEvent({ Subject: `bulk ${n}` }) })) });
    const headers = changes(await bayeux.connect()).map((e) => e.payload.ChangeEventHeader);
    expect(headers.map((header) => header.changeType)).toEqual(['CREATE', 'CREATE', 'GAP_OVERFLOW']);
    expect(headers[2]).toMatchObject({ entityName: 'Event', recordIds: [] });
    expect(new Set(headers.map((header) => header.transactionKey)).size).toBe(1);
  });
});
