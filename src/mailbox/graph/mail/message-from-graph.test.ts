import { describe, expect, it } from 'vitest';
import { corpusJson } from '../fake-graph.test-support.ts';
import type { GraphMessage } from './graph-mail-types.ts';
import { decodeMailCursor, encodeMailCursor } from './mail-cursor.ts';
import { messageFromGraph } from './message-from-graph.ts';
import { isConnectorError } from '../../../domain/errors.ts';

describe('messageFromGraph', () => {
  it('reads the documented message payload', () => {
    const message = messageFromGraph(corpusJson<GraphMessage>('graph-message.json'), 'inbox', []);

    expect(message).toEqual({
      internetMessageId: '<MWHPR6E1BE060@MWHPR1120.namprd22.prod.outlook.com>',
      conversationId: 'AAQkADOUpag6yWs=',
      inReplyTo: null,
      references: [],
      subject: '9/9/2018: concert',
      from: { address: 'gretas@contoso.OnMicrosoft.com', name: 'Greta Solis' },
      to: [{ address: 'IvanP@contoso.OnMicrosoft.com', name: 'Ivan Pedley' }],
      cc: [],
      bcc: [],
      sentAt: '2018-09-09T03:15:06.000Z',
      receivedAt: '2018-09-09T03:15:08.000Z',
      bodyText: 'The group represents Nevada.',
      bodyHtml: expect.stringContaining('<body>\r\nThe group represents Nevada.\r\n</body>'),
      headers: {},
      categories: [],
      folder: 'inbox',
      isDraft: false,
      attachments: [],
    });
  });

  it('takes threading from the MAPI properties before the headers', () => {
    const message = messageFromGraph(
      {
        id: 'm1',
        internetMessageHeaders: [
          { name: 'In-Reply-To', value: '<header@example.com>' },
          { name: 'List-Unsubscribe', value: '<mailto:first@example.com>' },
          { name: 'list-unsubscribe', value: '<mailto:second@example.com>' },
        ],
        singleValueExtendedProperties: [
          { id: 'String 0x1042', value: '<property@example.com>' },
          { id: 'String 0x1039', value: '<root@example.com>\r\n <middle@example.com> <property@example.com>' },
        ],
      },
      'sent',
      [],
    );

    expect(message.inReplyTo).toBe('<property@example.com>');
    expect(message.references).toEqual(['<root@example.com>', '<middle@example.com>', '<property@example.com>']);
    expect(message.headers).toEqual({ 'in-reply-to': '<header@example.com>', 'list-unsubscribe': '<mailto:first@example.com>' });
  });

  it('falls back to the headers without the properties', () => {
    const message = messageFromGraph(
      { id: 'm2', internetMessageHeaders: [{ name: 'References', value: '<a@x> <b@x>' }, { name: 'In-Reply-To', value: ' <b@x> ' }] },
      'inbox',
      [],
    );

    expect(message.inReplyTo).toBe('<b@x>');
    expect(message.references).toEqual(['<a@x>', '<b@x>']);
  });

  it('keeps a text body as text and drops names that repeat the address', () => {
    const message = messageFromGraph(
      {
        id: 'm3',
        body: { contentType: 'text', content: 'Plain words' },
        sender: { emailAddress: { name: 'noreply@example.com', address: 'noreply@example.com' } },
        toRecipients: [{ emailAddress: { name: '', address: 'a@example.com' } }, { emailAddress: { name: 'Nobody' } }],
      },
      'inbox',
      [{ id: 'att1', name: 'a.txt', contentType: 'text/plain', size: 3, isInline: false }],
    );

    expect(message.bodyText).toBe('Plain words');
    expect(message.bodyHtml).toBeNull();
    expect(message.from).toEqual({ address: 'noreply@example.com', name: null });
    expect(message.to).toEqual([{ address: 'a@example.com', name: null }]);
    expect(message.attachments).toEqual([{ id: 'att1', name: 'a.txt', contentType: 'text/plain', size: 3, isInline: false, contentId: null }]);
  });
});

describe('mail cursor', () => {
  it('round-trips folders and the folder name', () => {
    const cursor = { folders: { inbox: { folderId: 'F1', deltaLink: 'https://graph/delta?$deltatoken=a' } }, salesforceFolderName: 'Salesforce' };

    expect(decodeMailCursor(encodeMailCursor(cursor))).toEqual(cursor);
  });

  it('treats a damaged cursor as expired', () => {
    for (const text of ['not json', '{"format":"graph-mail/1","folders":{"inbox":{"folderId":1}}}', 'https://graph/delta?$deltatoken=a']) {
      let caught: unknown = null;
      try {
        decodeMailCursor(text);
      } catch (error) {
        caught = error;
      }
      expect(isConnectorError(caught, 'cursorExpired')).toBe(true);
    }
  });
});
