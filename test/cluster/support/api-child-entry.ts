import { loadConfig } from '../../../src/config/config.js';
import { runApiChild } from '../../../src/main/cluster/api-child.js';

// An API child of a test that is itself the cluster's primary (see wake-workers.test.ts).
runApiChild(loadConfig()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
