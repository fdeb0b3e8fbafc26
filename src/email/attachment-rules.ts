import type { MailAttachmentInfo } from '../domain/email-message.ts';
import type { AttachmentSettings } from './settings.ts';

export type AttachmentSkipReason = 'attachmentsOff' | 'inline' | 'tooLarge' | 'extensionBlocked' | 'extensionNotAllowed';

/** An attachment left out of a saved email, for the session report. */
export interface SkippedAttachment {
  readonly mailboxItemId: string;
  readonly name: string;
  readonly reason: AttachmentSkipReason;
}

/** Return the lower-case extension of a file name without the dot, or '' when it has none. */
export function fileExtension(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).trim().toLowerCase() : '';
}

/** Return why an attachment is not saved, or null when the org's rules let it through. `size` is in bytes. */
export function attachmentSkipReason(attachment: Pick<MailAttachmentInfo, 'name' | 'isInline'>, size: number, rules: AttachmentSettings): AttachmentSkipReason | null {
  if (!rules.enabled) {
    return 'attachmentsOff';
  }
  if (attachment.isInline && !rules.includeInline) {
    return 'inline';
  }
  const extension = fileExtension(attachment.name);
  if (rules.blockedExtensions.includes(extension)) {
    return 'extensionBlocked';
  }
  if (rules.allowedExtensions !== null && !rules.allowedExtensions.includes(extension)) {
    return 'extensionNotAllowed';
  }
  return size > rules.maxBytes ? 'tooLarge' : null;
}

/** Return the name a file is saved under: the attachment's name without folders and control characters, or `attachment`. */
export function pathOnClient(name: string): string {
  const base = [...(name.split(/[\\/]/).pop() ?? '')].filter((character) => !isControl(character)).join('').trim();
  return base === '' ? 'attachment' : base;
}

/** C0 control characters and DEL, which a file name in Salesforce must not hold. */
function isControl(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}
