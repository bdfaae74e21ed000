import { afterAll } from 'vitest';
import { stopModeEngines } from './testMode';

// The cluster project's engines live for one test file: stopped after its last test.
afterAll(stopModeEngines);
