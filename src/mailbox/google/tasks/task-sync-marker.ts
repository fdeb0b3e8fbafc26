/**
 * Where a Google task carries Syncline's sync id. The Tasks API has no extended properties, no client data and no
 * writable link field (`links` is read-only), and Google assigns a task's id. Its notes are the only free text
 * it stores. So a task Syncline creates ends its notes with one line `[Syncline: <sync id>]`. The line is the
 * least bad documented place: users see it in the task's details, but it is stripped from the body Syncline reads
 * and written back on every update, so it never reaches Salesforce. A user who deletes the line only loses the
 * crash recovery of that one task (a repeated create is then found by nothing and made twice).
 */
const MARKER = /(?:\r?\n)*\[Syncline: ([A-Za-z0-9._:-]{1,100})\]\s*$/;

export function splitNotes(notes: string | null | undefined): { readonly text: string | null; readonly syncId: string | null } {
  if (notes === null || notes === undefined) {
    return { text: null, syncId: null };
  }
  const match = MARKER.exec(notes);
  const text = (match ? notes.slice(0, match.index) : notes).replace(/\r\n/g, '\n').trimEnd();
  return { text: text === '' ? null : text, syncId: match?.[1] ?? null };
}

export function joinNotes(text: string | null, syncId: string | null): string | null {
  if (syncId === null) {
    return text;
  }
  return text === null || text === '' ? `[Syncline: ${syncId}]` : `${text}\n\n[Syncline: ${syncId}]`;
}
