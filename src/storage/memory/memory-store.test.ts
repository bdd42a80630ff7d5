import { describeStoreConformance } from '../../../test/conformance/storage-suite.js';
import { MemoryStore } from './memory-store.js';

describeStoreConformance('memory', async () => new MemoryStore());
