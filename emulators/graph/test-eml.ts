/** Test support: small RFC 5322 messages written in code, for tests that need a message with known content. */

export interface TestEml {
  readonly messageId?: string | null;
  readonly subject: string;
  readonly from?: string;
  readonly to?: readonly string[];
  readonly cc?: readonly string[];
  readonly date?: string;
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly html?: string;
  readonly attachments?: readonly { readonly name: string; readonly contentType: string; readonly content: Uint8Array; readonly contentId?: string }[];
}

export function testEml(spec: TestEml): string {
  const head: string[] = [];
  if (spec.messageId !== null) {
    head.push(`Message-ID: ${spec.messageId ?? `<${spec.subject.replace(/\W+/g, '.')}@test.example.com>`}`);
  }
  head.push(`Date: ${spec.date ?? 'Mon, 02 Nov 2026 09:30:00 +0000'}`);
  head.push(`From: ${spec.from ?? 'Dana Reyes <dana.reyes@customer.example.com>'}`);
  head.push(`To: ${(spec.to ?? ['Ada Lovelace <ada@example.com>']).join(', ')}`);
  if (spec.cc?.length) {
    head.push(`Cc: ${spec.cc.join(', ')}`);
  }
  head.push(`Subject: ${spec.subject}`);
  if (spec.inReplyTo) {
    head.push(`In-Reply-To: ${spec.inReplyTo}`);
  }
  if (spec.references?.length) {
    head.push(`References: ${spec.references.join(' ')}`);
  }
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    head.push(`${name}: ${value}`);
  }
  head.push('MIME-Version: 1.0');

  const textPart = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${spec.text ?? ''}`;
  const htmlPart = `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${spec.html ?? ''}`;
  let bodyPart = textPart;
  if (spec.html !== undefined) {
    bodyPart = spec.text === undefined ? htmlPart : multipart('alternative', [textPart, htmlPart]);
  }

  const attachments = (spec.attachments ?? []).map((attachment) => {
    const disposition = attachment.contentId ? 'inline' : 'attachment';
    const contentId = attachment.contentId ? `Content-ID: <${attachment.contentId}>\r\n` : '';
    const base64 = Buffer.from(attachment.content).toString('base64').replace(/.{76}/g, '$&\r\n');
    return `Content-Type: ${attachment.contentType}; name="${attachment.name}"\r\nContent-Disposition: ${disposition}; filename="${attachment.name}"\r\n${contentId}Content-Transfer-Encoding: base64\r\n\r\n${base64}`;
  });
  const whole = attachments.length === 0 ? bodyPart : multipart('mixed', [bodyPart, ...attachments]);
  return `${head.join('\r\n')}\r\n${whole}\r\n`;
}

function multipart(subtype: string, parts: readonly string[]): string {
  const boundary = `syncline-${subtype}-boundary`;
  const body = parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('');
  return `Content-Type: multipart/${subtype}; boundary="${boundary}"\r\n\r\n${body}--${boundary}--`;
}

/** Build the seed entry for `POST /_admin/users/{u}/messages/seed`. */
export function emlSeed(spec: TestEml, options: { folder?: string; categories?: string[]; fileName?: string } = {}): Record<string, unknown> {
  return { emlBase64: Buffer.from(testEml(spec), 'utf8').toString('base64'), ...options };
}
