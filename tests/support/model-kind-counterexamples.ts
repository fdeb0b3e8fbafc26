import type { KindCommand } from './model-kind-world.ts';

/**
 * Smallest failing sequences the task and contact models found, each named after the bug it showed. The fast models
 * and the emulator model run every one of them whatever the seed.
 */
export const MODEL_COUNTEREXAMPLES: readonly (readonly [string, readonly KindCommand[]])[] = [
  [
    'orphan copy whose deletion failed is not copied back',
    // A crashed session left a mailbox copy of a Salesforce item, whose user then deleted the original. The next
    // session's deletion of the copy failed; the session after it must delete the copy, not create it in Salesforce.
    [
      { kind: 'create', side: 'crm', variant: 0 },
      { kind: 'crash', before: 4 },
      { kind: 'delete', side: 'crm', pick: 0 },
      { kind: 'faultySync', faults: [{ type: 'lockedItem', side: 'mailbox' }] },
    ],
  ],
  [
    'edit in a failed write to a crashed copy is kept',
    // A crashed session left a Salesforce copy without a link. A person then cleared a field in the mailbox, and the
    // next session's update of the copy failed. The session after it must still write the cleared field, not undo it.
    [
      { kind: 'create', side: 'mailbox', variant: 0 },
      { kind: 'crash', before: 4 },
      { kind: 'edit', side: 'mailbox', pick: 0, field: 1, value: 2 },
      { kind: 'faultySync', faults: [{ type: 'lockedItem', side: 'crm' }] },
      { kind: 'edit', side: 'mailbox', pick: 0, field: 0, value: 0 },
    ],
  ],
  [
    'failed write after a save without changes settles',
    // Salesforce saved a record without changing its values (a new version only), and the next session's write to it
    // failed. Later sessions must read the record again and write, not report it as changed during every session.
    [
      { kind: 'create', side: 'mailbox', variant: 1 },
      { kind: 'sync' },
      { kind: 'edit', side: 'crm', pick: 0, field: 0, value: 1 },
      { kind: 'edit', side: 'mailbox', pick: 0, field: 0, value: 0 },
      { kind: 'faultySync', faults: [{ type: 'lockedItem', side: 'crm' }] },
    ],
  ],
  [
    'planned value typed by hand after a crash',
    // A session crashed before its Salesforce write of two mailbox edits. A person then typed one of the two values in
    // Salesforce. The next session must not take the write as landed, which would undo the other mailbox edit.
    [
      { kind: 'create', side: 'mailbox', variant: 0 },
      { kind: 'sync' },
      { kind: 'edit', side: 'mailbox', pick: 0, field: 0, value: 1 },
      { kind: 'edit', side: 'mailbox', pick: 0, field: 3, value: 3 },
      { kind: 'crash', before: 3 },
      { kind: 'edit', side: 'crm', pick: 0, field: 3, value: 3 },
      { kind: 'sync' },
    ],
  ],
];
