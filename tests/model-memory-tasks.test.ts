import { TASK_SPEC } from './support/model-kind-specs.ts';
import { describeMemoryModel } from './support/model-memory-suite.ts';

// Random create, edit, delete, crash and fault sequences for tasks, both sides in memory with the real store, planner
// and executor. tests/support/model-kind-world.ts lists the properties checked.
describeMemoryModel({ spec: TASK_SPEC, noun: 'task', defaultSeed: 20_261_206, testFile: 'tests/model-memory-tasks.test.ts' });
