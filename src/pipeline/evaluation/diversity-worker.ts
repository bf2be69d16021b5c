/** Worker-thread entry of the diversity step's jobs (see diversity-metrics.ts). */
import { serveJob } from '../../util/worker-job.js';
import { runDiversityJob, type DiversityJob } from './diversity-metrics.js';

serveJob<DiversityJob, unknown>(runDiversityJob);
