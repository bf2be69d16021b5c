import { spawn, type ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { splitLines } from '../../util/lines.js';
import { projectFile } from '../../util/project-file.js';
import { sanitizeLine } from '../../util/sanitize.js';
import { ModelUnavailableError, type Capability } from '../../domain/models.js';

/** What the worker says once its model is loaded (trainers/hf_worker.py). */
const Ready = z.object({
  type: z.literal('ready'),
  capabilities: z.array(z.enum(['generate', 'score', 'embed', 'judge', 'rate', 'tokenize'])),
  context_length: z.number().int().positive(),
  device: z.string(),
  dtype: z.string(),
  fallback_template: z.boolean(),
  versions: z.record(z.string(), z.string()),
  load_seconds: z.number(),
});
export type WorkerReady = z.infer<typeof Ready> & { capabilities: Capability[] };

const Answer = z.object({ id: z.number(), ok: z.boolean(), result: z.unknown().optional(), error: z.string().optional() });

export interface WorkerOptions {
  /** The worker's arguments (--model, --adapter, --device …). */
  args: string[];
  /** The Python that runs it. */
  python: string;
  /** What the worker serves, for messages: "model "t/human" (… + adapter)". */
  label: string;
  /** The worker script; default the project's trainers/hf_worker.py. */
  script?: string;
  signal?: AbortSignal;
}

/** The worker cannot run: it never became ready, or it died. Stops the step in one line; a rerun resumes. */
export class WorkerExitedError extends ModelUnavailableError {
  override name = 'WorkerExitedError';
}

const TAIL_LINES = 30;

/**
 * One Python worker process holding one model, spoken to in JSON lines. Requests may overlap:
 * the worker batches what waits. A request whose signal aborts is withdrawn (`cancel`) and
 * rejects at once. If the process dies, every request in flight and every later one rejects
 * with WorkerExitedError, naming the last thing it printed.
 */
export class HfWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private exited: WorkerExitedError | null = null;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: WorkerReady,
    private readonly label: string,
    closed: Promise<void>,
  ) {
    this.closed = closed;
  }

  /** Start a worker and wait until its model is loaded. */
  static async start(opts: WorkerOptions): Promise<HfWorker> {
    const script = opts.script ?? projectFile('trainers/hf_worker.py');
    const child = spawn(opts.python, [script, ...opts.args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' } });
    // A write to a worker that has just died fails with EPIPE on its stdin; the death itself is
    // reported by 'close', with the exit reason, so the pipe's error adds nothing (and unheard, it
    // would crash the process).
    child.stdin!.on('error', () => {});
    const tail: string[] = [];
    const keep = (line: string) => {
      if (!line.trim()) return;
      tail.push(sanitizeLine(line).trimEnd());
      if (tail.length > TAIL_LINES) tail.shift();
    };
    splitLines(child.stderr!, keep);
    // Set once the model is loaded: answers and a death go to it from then on.
    const live: { worker?: HfWorker; exit?: string } = {};
    let fatal: string | undefined;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const ready = await new Promise<WorkerReady>((resolve, reject) => {
      const abort = () => {
        child.kill('SIGTERM');
        reject(opts.signal?.reason ?? new Error('cancelled'));
      };
      opts.signal?.addEventListener('abort', abort, { once: true });
      child.once('error', (err: NodeJS.ErrnoException) => {
        opts.signal?.removeEventListener('abort', abort);
        reject(new WorkerExitedError(pythonMissing(opts.python, err)));
      });
      child.once('close', (code, signal) => {
        opts.signal?.removeEventListener('abort', abort);
        live.exit = exitReason(code, signal, fatal, tail);
        live.worker?.died(live.exit);
        reject(new WorkerExitedError(`the hf worker for ${opts.label} exited before its model was loaded (${live.exit})`));
      });
      splitLines(child.stdout!, (line) => {
        const message = parseJson(line);
        if (message?.type === 'fatal') fatal = String(message.error ?? '');
        else if (message?.type === 'ready') {
          const parsed = Ready.safeParse(message);
          opts.signal?.removeEventListener('abort', abort);
          if (parsed.success) resolve(parsed.data as WorkerReady);
          else reject(new WorkerExitedError(`the hf worker for ${opts.label} said it was ready in a form this baskets does not read: ${parsed.error.message.split('\n')[0]}`));
        } else if (live.worker && message && typeof message.id === 'number') live.worker.settle(message);
      });
    });
    live.worker = new HfWorker(child, ready, opts.label, closed);
    if (live.exit) live.worker.died(live.exit); // between its ready line and now
    return live.worker;
  }

  /** The worker's process id (tests end it as a crash would). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Send one request and wait for its answer. */
  request<T>(op: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    signal?.throwIfAborted();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const withdraw = () => {
        if (!this.pending.delete(id)) return;
        this.write({ op: 'cancel', target: id });
        reject(signal?.reason ?? new Error('cancelled'));
      };
      signal?.addEventListener('abort', withdraw, { once: true });
      this.pending.set(id, {
        resolve: (value) => {
          signal?.removeEventListener('abort', withdraw);
          resolve(value as T);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', withdraw);
          reject(err);
        },
      });
      this.write({ id, op, ...body });
    });
  }

  /** Ask the worker to finish and leave; killed if it does not within the grace period. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.write({ op: 'shutdown' });
      this.child.stdin?.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.closed;
      clearTimeout(timer);
    }
    this.fail(new WorkerExitedError(`the hf worker for ${this.label} was shut down`));
  }

  private write(message: Record<string, unknown>): void {
    if (this.child.stdin?.writable) this.child.stdin.write(JSON.stringify(message) + '\n');
  }

  private settle(message: Record<string, unknown>): void {
    const answer = Answer.safeParse(message);
    if (!answer.success) return;
    const waiting = this.pending.get(answer.data.id);
    if (!waiting) return; // withdrawn
    this.pending.delete(answer.data.id);
    if (answer.data.ok) waiting.resolve(answer.data.result);
    else waiting.reject(new Error(`${this.label}: ${sanitizeLine(answer.data.error ?? 'the worker failed without saying why')}`));
  }

  private died(why: string): void {
    this.fail(new WorkerExitedError(`the hf worker for ${this.label} died (${why}): run again to resume where it stopped`));
  }

  private fail(err: WorkerExitedError): void {
    this.exited ??= err;
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      waiting.reject(this.exited);
    }
  }
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Why the worker ended, in one line: its own account, a missing module, or its last words. */
function exitReason(code: number | null, signal: NodeJS.Signals | null, fatal: string | undefined, tail: string[]): string {
  const how = signal ? `killed by ${signal}` : `exit code ${code}`;
  const text = [...tail, fatal ?? ''].join('\n');
  const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(text);
  if (missing) return `${how}; Python module "${missing[1]}" is missing: pip install -r trainers/requirements.txt in the Python that runs it (engine.python or $BASKETS_PYTHON)`;
  if (fatal) return `${how}: ${sanitizeLine(fatal)}`;
  if (signal === 'SIGKILL' || code === 137) return `${how}, often by the kernel running out of memory: lower engine.batchSize or use a smaller dtype`;
  const last = [...tail].reverse().find((l) => l.trim() !== '');
  return last ? `${how}; last line: ${last.trim()}` : `${how} with no output`;
}

function pythonMissing(python: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `${python} not found: install Python with the hf engine's packages (pip install -r trainers/requirements.txt), or set engine.python or $BASKETS_PYTHON`;
  return `cannot start ${python}: ${err.message}`;
}
