import type { Transform, TransformType } from '../field-pair.ts';
import { picklist } from './picklist.ts';
import { boolean, constant, date, dateTime, number, privateFlag, reminder } from './scalar.ts';
import { eventSpan, spanDate, spanFields } from './span.ts';
import { text } from './text.ts';

/** Every transform by its type name, as tables and configuration name them. */
export const TRANSFORMS: Readonly<Record<TransformType, Transform>> = {
  text,
  picklist,
  constant,
  date,
  dateTime,
  boolean,
  number,
  eventSpan,
  spanFields,
  spanDate,
  privateFlag,
  reminder,
};
