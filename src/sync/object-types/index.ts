import type { ObjectKind } from '../../domain/link.ts';
import { CONTACT_TYPE } from './contact-type.ts';
import { EVENT_TYPE } from './event-type.ts';
import type { ObjectType } from './object-type.ts';
import { TASK_TYPE } from './task-type.ts';

const OBJECT_TYPES: Readonly<Record<ObjectKind, ObjectType>> = { event: EVENT_TYPE, task: TASK_TYPE, contact: CONTACT_TYPE };

export function objectTypeOf(kind: ObjectKind): ObjectType {
  return OBJECT_TYPES[kind];
}

export type { MatchPass, ObjectType } from './object-type.ts';
