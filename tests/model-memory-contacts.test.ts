import { CONTACT_SPEC } from './support/model-kind-specs.ts';
import { describeMemoryModel } from './support/model-memory-suite.ts';

// Random create, edit, delete, crash and fault sequences for contacts, both sides in memory with the real store, planner
// and executor. tests/support/model-kind-world.ts lists the properties checked.
describeMemoryModel({ spec: CONTACT_SPEC, noun: 'contact', defaultSeed: 20_261_207, testFile: 'tests/model-memory-contacts.test.ts' });
