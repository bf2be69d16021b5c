import { spawn } from 'node:child_process';
import type { GpuSample } from '../../pipeline/events.js';

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

/**
 * Sample the GPUs once a second while training runs. Each second's lines (one per GPU) arrive
 * together and are reported as one batch; without nvidia-smi there is one report with
 * samples null and a message saying so. Returns a stop function.
 */
export function startGpuMonitor(onReport: (report: GpuReport) => void, command = 'nvidia-smi'): () => void {
  const child = spawn(command, NVIDIA_SMI_ARGS, { stdio: ['ignore', 'pipe', 'ignore'] });
  let pending = '';
  let batch: GpuSample[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (batch.length) onReport({ samples: batch });
    batch = [];
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    batch.push(...parseNvidiaSmiCsv(lines.join('\n')));
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, 200);
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    onReport({
      samples: null,
      message:
        err.code === 'ENOENT'
          ? 'nvidia-smi not found: GPU utilisation, memory, temperature and power are not shown'
          : `nvidia-smi failed (${err.message}): GPU stats are not shown`,
    });
  });
  return () => {
    clearTimeout(flushTimer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
}
