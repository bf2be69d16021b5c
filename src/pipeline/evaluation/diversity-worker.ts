/** A thread of the diversity step's pool (see diversity-metrics.ts). */
import { servePoolJobs } from '../../util/worker-pool.js';
import { runDiversityJob, type DiversityJob } from './diversity-metrics.js';

servePoolJobs<DiversityJob>(runDiversityJob);
