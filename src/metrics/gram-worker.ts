/** Worker-thread entry of gramMatrixOnThreads (gram.ts): one share of the Gram matrix's row blocks. */
import { serveJob } from '../util/worker-job.js';
import { accumulateDots, type GramJob } from './gram.js';

serveJob<GramJob, null>(({ rows, g, part, parts }, progress) => {
  accumulateDots(rows, g, part, parts, (done, total) => progress('gram', done, total));
  return null;
});
