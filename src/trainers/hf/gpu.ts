import { spawn } from 'node:child_process';
import type { GpuSample } from '../../domain/events.js';

/** The query baskets runs; `index` first so samples of several GPUs are told apart. */
export const NVIDIA_SMI_ARGS = [
  '--query-gpu=index,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
  '--format=csv,noheader,nounits',
  '-l',
  '1',
];

/** Parse `nvidia-smi --query-gpu=index,… --format=csv,noheader,nounits` output; unreadable lines are skipped. */
export function parseNvidiaSmiCsv(text: string): GpuSample[] {
  const samples: GpuSample[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 6) continue;
    // "[N/A]" (power on some boards, utilisation under MIG) becomes NaN: known absent, not zero.
    const notAvailable = (c: string) => /^\[?N\/A\]?$/i.test(c);
    if (cells.some((c) => !notAvailable(c) && (c === '' || Number.isNaN(Number(c))))) continue;
    const [index, utilization, memoryUsedMb, memoryTotalMb, temperatureC, powerW] = cells.map((c) => (notAvailable(c) ? NaN : Number(c)));
    if (!Number.isInteger(index)) continue;
    samples.push({ index, utilization, memoryUsedMb, memoryTotalMb, temperatureC, powerW });
  }
  return samples;
}

export type GpuReport = { samples: GpuSample[] | null; message?: string };

/** Lines of nvidia-smi output kept to explain an early exit (it prints its errors on stdout). */
const REASON_LINES = 3;

/**
 * Sample the GPUs once a second while training runs. Each second's lines (one per GPU) arrive
 * together and are reported as one batch. Without nvidia-smi, or when it exits on its own (a
 * driver/library mismatch makes it quit at once), there is one report with samples null and a
 * message saying why. Returns a stop function.
 */
export function startGpuMonitor(onReport: (report: GpuReport) => void, command = 'nvidia-smi'): () => void {
  const child = spawn(command, NVIDIA_SMI_ARGS, { stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let batch: GpuSample[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failedToStart = false;
  const unparsed: string[] = [];
  const flush = () => {
    if (batch.length) onReport({ samples: batch });
    batch = [];
  };
  const keepReason = (lines: string[]) => {
    for (const line of lines) if (line.trim() && unparsed.length < REASON_LINES) unparsed.push(line.trim());
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    const samples = parseNvidiaSmiCsv(lines.join('\n'));
    if (!samples.length) keepReason(lines);
    batch.push(...samples);
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, 200);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => keepReason(chunk.split('\n')));
  child.on('error', (err: NodeJS.ErrnoException) => {
    failedToStart = true;
    onReport({
      samples: null,
      message:
        err.code === 'ENOENT'
          ? 'nvidia-smi not found: GPU utilisation, memory, temperature and power are not shown'
          : `nvidia-smi failed (${err.message}): GPU stats are not shown`,
    });
  });
  child.on('close', (code, signal) => {
    if (stopped || failedToStart) return;
    clearTimeout(flushTimer);
    flush();
    keepReason([pending]);
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const reason = unparsed.length ? `: ${unparsed.join(' / ')}` : '';
    onReport({ samples: null, message: `nvidia-smi ${how}${reason}; GPU stats are not shown (run nvidia-smi to see why)` });
  });
  return () => {
    stopped = true;
    clearTimeout(flushTimer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
}
