import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseNvidiaSmiCsv, startGpuMonitor, type GpuReport } from '../../src/trainers/hf/gpu.js';

/** Waits for reports to arrive; the limit only turns a monitor that never reports into a readable failure. */
const REPORTS = { timeout: 20_000, interval: 50 };

describe('nvidia-smi CSV', () => {
  it('reads one sample per GPU line, N/A as NaN, and skips garbage', () => {
    const text = ['0, 97, 30510, 81559, 64, 402.51', '1, 0, 4, 81559, 31, [N/A]', '', 'Failed to initialize NVML: Driver/library version mismatch', '2, x, 1, 2, 3, 4'].join('\n');
    const samples = parseNvidiaSmiCsv(text);
    expect(samples).toHaveLength(2);
    expect(samples[0]).toEqual({ index: 0, utilization: 97, memoryUsedMb: 30510, memoryTotalMb: 81559, temperatureC: 64, powerW: 402.51 });
    expect(samples[1].index).toBe(1);
    expect(samples[1].powerW).toBeNaN();
  });

  it('reports each interval as one batch with every GPU in it', async () => {
    const reports: GpuReport[] = [];
    const stop = startGpuMonitor((r) => reports.push(r), join(import.meta.dirname, 'fixtures', 'fake-nvidia-smi'));
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(2), REPORTS);
    stop();
    for (const report of reports) expect(report.samples?.map((s) => s.index)).toEqual([0, 1]);
    expect(reports[1].samples![0].utilization).toBe(51);
  });

  it('reports once, with samples null and a reason, when nvidia-smi is absent', async () => {
    const reports: GpuReport[] = [];
    const stop = startGpuMonitor((r) => reports.push(r), 'baskets-no-such-nvidia-smi');
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(1), REPORTS);
    // Room for a wrong second report to show (it could only make this fail, never pass).
    await new Promise((r) => setTimeout(r, 200));
    stop();
    expect(reports).toEqual([{ samples: null, message: expect.stringMatching(/nvidia-smi not found/) }]);
  });

  it('reports an nvidia-smi that exits at once with its exit code and the reason it printed', async () => {
    const reports: GpuReport[] = [];
    const stop = startGpuMonitor((r) => reports.push(r), join(import.meta.dirname, 'fixtures', 'fake-nvidia-smi-mismatch'));
    await vi.waitFor(() => expect(reports.length).toBe(1), REPORTS);
    stop();
    expect(reports).toEqual([
      {
        samples: null,
        message: 'nvidia-smi exited with code 18: Failed to initialize NVML: Driver/library version mismatch / NVML library version: 550.54; GPU stats are not shown (run nvidia-smi to see why)',
      },
    ]);
  });

  it('says nothing more once stopped: the exit it caused is not a failure', async () => {
    const reports: GpuReport[] = [];
    const stop = startGpuMonitor((r) => reports.push(r), join(import.meta.dirname, 'fixtures', 'fake-nvidia-smi'));
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(1), REPORTS);
    stop();
    // Room for a wrong report of the exit to show (it could only make this fail, never pass).
    await new Promise((r) => setTimeout(r, 300));
    expect(reports.every((r) => r.samples !== null)).toBe(true);
  });
});
