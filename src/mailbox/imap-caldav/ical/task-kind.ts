import ICAL from 'ical.js';
import type { MailboxTask, TaskStatus, Importance } from '../../../domain/task.ts';
import { SYNC_ID_PROPERTY, type DavItem, type DavItemKind, type ResourceEdit } from '../dav/dav-kind.ts';
import type { DavResource } from '../dav/dav-reports.ts';
import { syncIdOf } from './event-fields.ts';
import { formatDate, instantToWall, ZoneResolver, type TimeValue } from './ical-time.ts';
import { newCalendar, requireCalendarDate, serialize, setCategories, setDate, setText, stamp, utcTime } from './ical-write.ts';
import { categoriesOf, modifiedAtOf, newestFirst, readComponent, textValue } from './vevent.ts';

/** Task statuses iCalendar has no value for, kept in this property next to STATUS:NEEDS-ACTION. */
const STATUS_PROPERTY = 'x-syncline-task-status';

/** Tasks as VTODOs in a CalDAV calendar, one task per resource; a recurring VTODO is read as its master. */
export function taskKind(mailboxTimeZone: string): DavItemKind<MailboxTask> {
  const itemOf = (resource: DavResource): DavItem<MailboxTask> | null => {
    const { calendar, todo } = parseTodo(resource);
    if (todo === null) {
      return null;
    }
    return { id: resource.href, syncId: syncIdOf(todo), modifiedAt: modifiedAtOf(todo), item: taskFromTodo(todo, new ZoneResolver(calendar, mailboxTimeZone)) };
  };

  return {
    label: 'task',
    collectionType: 'calendar',
    contentType: 'text/calendar; charset=utf-8',
    extension: '.ics',
    itemsOf: (resource) => {
      const item = itemOf(resource);
      return item === null ? [] : [item];
    },
    findItem: (resource, id) => (id === resource.href ? itemOf(resource) : null),
    createText: (task, syncId) => {
      const calendar = newCalendar();
      const todo = new ICAL.Component('vtodo', calendar);
      todo.addPropertyWithValue('uid', `${syncId}@syncline`);
      todo.addPropertyWithValue(SYNC_ID_PROPERTY, syncId);
      todo.addPropertyWithValue('created', ICAL.Time.fromJSDate(new Date(), true));
      applyTaskPatch(todo, task);
      calendar.addSubcomponent(todo);
      return serialize(calendar);
    },
    patchResource: (resource, _id, patch): ResourceEdit => {
      const { calendar, todo } = parseTodo(resource);
      if (todo === null) {
        throw new Error(`no VTODO found in ${resource.href}`);
      }
      applyTaskPatch(todo, patch);
      return { kind: 'put', text: serialize(calendar) };
    },
    deleteFromResource: () => ({ kind: 'delete' }),
  };
}

function parseTodo(resource: DavResource): { calendar: ICAL.Component; todo: ICAL.Component | null } {
  const calendar = new ICAL.Component(ICAL.parse(resource.data) as unknown[]);
  const todos = calendar.getAllSubcomponents('vtodo').map((component, ordinal) => readComponent(component, ordinal, 'due'));
  const master = todos.filter((todo) => todo.recurrenceId === null).sort(newestFirst)[0];
  return { calendar, todo: master?.component ?? null };
}

function taskFromTodo(todo: ICAL.Component, resolver: ZoneResolver): MailboxTask {
  const read = readComponent(todo, 0, 'due');
  const completed = instantOfProperty(todo, 'completed', resolver);
  return {
    subject: textValue(todo, 'summary').replace(/[\r\n\t]+/g, ''),
    body: nonEmpty(textValue(todo, 'description').replace(/\r\n?/g, '\n').trimEnd()),
    status: statusOf(todo),
    importance: importanceOf(todo),
    dueDate: dateOf(read.end, resolver),
    startDate: dateOf(read.start, resolver),
    completedAt: completed === null ? null : new Date(completed).toISOString(),
    reminderAt: reminderOf(todo, read.start, read.end, resolver),
    isPrivate: ['PRIVATE', 'CONFIDENTIAL'].includes(textValue(todo, 'class').trim().toUpperCase()),
    categories: categoriesOf(todo),
  };
}

function statusOf(todo: ICAL.Component): TaskStatus {
  switch (textValue(todo, 'status').trim().toUpperCase()) {
    case 'COMPLETED':
      return 'completed';
    case 'IN-PROCESS':
      return 'inProgress';
    case 'CANCELLED':
      return 'deferred';
    default: {
      const kept = textValue(todo, STATUS_PROPERTY).trim();
      return kept === 'waitingOnOthers' || kept === 'deferred' ? kept : 'notStarted';
    }
  }
}

/** PRIORITY 1–4 is high, 5 (or none) normal, 6–9 low (RFC 5545 section 3.8.1.9). */
function importanceOf(todo: ICAL.Component): Importance {
  const priority = Number(todo.getFirstPropertyValue('priority') ?? 0) || 0;
  if (priority >= 1 && priority <= 4) {
    return 'high';
  }
  return priority >= 6 ? 'low' : 'normal';
}

/** Return a task's date as the user sees it: a DATE as written, a DATE-TIME by its date in its own zone. */
function dateOf(value: TimeValue | null, resolver: ZoneResolver): string | null {
  if (value === null) {
    return null;
  }
  if (value.isDate) {
    return formatDate(value.wall);
  }
  return formatDate(instantToWall(resolver.instantOf(value), resolver.zoneOf(value).iana ?? resolver.mailboxZone));
}

function instantOfProperty(component: ICAL.Component, name: string, resolver: ZoneResolver): number | null {
  const raw: unknown = component.getFirstProperty(name)?.toJSON()[3];
  if (typeof raw !== 'string') {
    return null;
  }
  const value: TimeValue | null = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? { wall: wallOf(raw), isDate: false, utc: raw.endsWith('Z'), tzid: null } : null;
  return value === null ? null : resolver.instantOf(value);
}

function wallOf(raw: string): TimeValue['wall'] {
  const [year, month, day, hour, minute, second] = raw.match(/\d+/g)?.map(Number) ?? [];
  return { year: year ?? 1970, month: month ?? 1, day: day ?? 1, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0 };
}

/** Find the reminder: the first alarm with an absolute TRIGGER, or one relative to DUE (or DTSTART with RELATED=START). */
function reminderOf(todo: ICAL.Component, start: TimeValue | null, due: TimeValue | null, resolver: ZoneResolver): string | null {
  for (const alarm of todo.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const raw: unknown = trigger?.toJSON()[3];
    if (trigger === null || typeof raw !== 'string') {
      continue;
    }
    if (/^\d{4}-\d{2}-\d{2}T/.test(raw)) {
      return new Date(resolver.instantOf({ wall: wallOf(raw), isDate: false, utc: raw.endsWith('Z'), tzid: null })).toISOString();
    }
    const anchor = String(trigger.getParameter('related') ?? '').toUpperCase() === 'START' ? start : due;
    if (anchor !== null && /^[+-]?P/.test(raw)) {
      return new Date(resolver.instantOf(anchor) + ICAL.Duration.fromString(raw).toSeconds() * 1000).toISOString();
    }
  }
  return null;
}

const STATUS: Record<TaskStatus, string> = { notStarted: 'NEEDS-ACTION', inProgress: 'IN-PROCESS', completed: 'COMPLETED', waitingOnOthers: 'NEEDS-ACTION', deferred: 'NEEDS-ACTION' };
const PRIORITY: Record<Importance, number | null> = { high: 1, normal: null, low: 9 };

function applyTaskPatch(todo: ICAL.Component, patch: Partial<MailboxTask>): void {
  if (patch.subject !== undefined) {
    setText(todo, 'summary', patch.subject);
  }
  if (patch.body !== undefined) {
    setText(todo, 'description', patch.body);
  }
  if (patch.status !== undefined) {
    todo.updatePropertyWithValue('status', STATUS[patch.status]);
    setText(todo, STATUS_PROPERTY, patch.status === 'waitingOnOthers' || patch.status === 'deferred' ? patch.status : null);
  }
  if (patch.importance !== undefined) {
    const priority = PRIORITY[patch.importance];
    todo.removeAllProperties('priority');
    if (priority !== null) {
      todo.addPropertyWithValue('priority', priority);
    }
  }
  if (patch.dueDate !== undefined) {
    setOptionalDate(todo, 'due', patch.dueDate);
  }
  if (patch.startDate !== undefined) {
    setOptionalDate(todo, 'dtstart', patch.startDate);
  }
  if (patch.completedAt !== undefined) {
    todo.removeAllProperties('completed');
    if (patch.completedAt !== null) {
      todo.addPropertyWithValue('completed', utcTime(patch.completedAt, 'completedAt'));
    }
  }
  if (patch.reminderAt !== undefined) {
    setReminder(todo, patch.reminderAt);
  }
  if (patch.isPrivate !== undefined) {
    todo.updatePropertyWithValue('class', patch.isPrivate ? 'PRIVATE' : 'PUBLIC');
  }
  if (patch.categories !== undefined) {
    setCategories(todo, patch.categories);
  }
  stamp(todo);
}

function setOptionalDate(todo: ICAL.Component, name: string, date: string | null): void {
  if (date === null) {
    todo.removeAllProperties(name);
    return;
  }
  requireCalendarDate(date, 'date');
  setDate(todo, name, date);
}

function setReminder(todo: ICAL.Component, reminderAt: string | null): void {
  todo.getAllSubcomponents('valarm').forEach((alarm) => todo.removeSubcomponent(alarm));
  if (reminderAt === null) {
    return;
  }
  const alarm = new ICAL.Component('valarm', todo);
  alarm.addPropertyWithValue('action', 'DISPLAY');
  alarm.addPropertyWithValue('description', 'Reminder');
  const trigger = new ICAL.Property('trigger', alarm);
  trigger.setParameter('value', 'DATE-TIME');
  trigger.setValue(utcTime(reminderAt, 'reminderAt'));
  alarm.addProperty(trigger);
  todo.addSubcomponent(alarm);
}

function nonEmpty(value: string): string | null {
  return value.trim() === '' ? null : value;
}
