import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sampleIcsFor, SHARED_MEETINGS_FILE } from '../emulators/sandbox-sample-ics.ts';

/** The sample calendars as each sandbox mailbox gets them: personal events under UIDs of their own, shared meetings not. */

const SAMPLE_DIR = fileURLToPath(new URL('../emulators/sample-data/', import.meta.url));
const MAILBOXES = ['alex.morgan@sandbox.example.com', 'sam.rivera@sandbox.example.com', 'casey.kim@sandbox.example.com', 'jordan.lee@sandbox.example.com'];
const uidsOf = (text: string) => [...text.matchAll(/^UID:(.+)$/gm)].map((match) => match[1]!.trim());

describe('sample calendars per sandbox mailbox', () => {
  const files = readdirSync(SAMPLE_DIR).filter((name) => name.endsWith('.ics')).sort();

  it('gives each mailbox its own UIDs for personal events', () => {
    const personal = files.filter((file) => file !== SHARED_MEETINGS_FILE);
    expect(personal.length).toBeGreaterThan(3);
    const owners = new Map<string, string>();
    for (const [index, address] of MAILBOXES.entries()) {
      for (const file of personal) {
        const text = sampleIcsFor(file, readFileSync(path.join(SAMPLE_DIR, file), 'utf8'), address, index === 0);
        for (const uid of new Set(uidsOf(text))) {
          // One UID never stands for events of two mailboxes.
          expect(owners.get(uid) ?? address, `${file} ${uid}`).toBe(address);
          owners.set(uid, address);
        }
      }
    }
    expect(owners.size).toBeGreaterThan(MAILBOXES.length);
    // The Graph mailbox keeps the files' own UIDs, so seeding a sample file there again updates it.
    expect(owners.get('sample-release-window@syncline.example.org')).toBe(MAILBOXES[0]);
    expect(owners.get('sample-release-window+casey.kim@syncline.example.org')).toBe('casey.kim@sandbox.example.com');
  });

  it('keeps one UID per shared meeting, organized by a sandbox user with the others attending', () => {
    const text = readFileSync(path.join(SAMPLE_DIR, SHARED_MEETINGS_FILE), 'utf8');
    const uids = uidsOf(text);
    expect(uids).toHaveLength(3);
    for (const address of MAILBOXES) {
      expect(uidsOf(sampleIcsFor(SHARED_MEETINGS_FILE, text, address, false))).toEqual(uids);
    }
    const meetings = text.split('BEGIN:VEVENT').slice(1);
    const organizers = meetings.map((meeting) => /^ORGANIZER[^:]*:mailto:(.+)$/m.exec(meeting)?.[1]?.trim());
    expect(new Set(organizers)).toEqual(new Set(['alex.morgan@sandbox.example.com', 'casey.kim@sandbox.example.com', 'sam.rivera@sandbox.example.com']));
    for (const meeting of meetings) {
      const attendees = [...meeting.matchAll(/^ATTENDEE[^:]*:mailto:(.+)$/gm)].map((match) => match[1]!.trim());
      expect(attendees).toEqual(expect.arrayContaining(MAILBOXES));
    }
  });
});
