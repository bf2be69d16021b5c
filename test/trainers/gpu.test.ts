import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseNvidiaSmiCsv, startGpuMonitor, type GpuReport } from '../../src/trainers/hf/gpu.js';

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
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 100 });
    stop();
    for (const report of reports) expect(report.samples?.map((s) => s.index)).toEqual([0, 1]);
    expect(reports[1].samples![0].utilization).toBe(51);
  });

  it('reports once, with samples null and a reason, when nvidia-smi is absent', async () => {
    const reports: GpuReport[] = [];
    const stop = startGpuMonitor((r) => reports.push(r), 'baskets-no-such-nvidia-smi');
    await new Promise((r) => setTimeout(r, 200));
    stop();
    expect(reports).toEqual([{ samples: null, message: expect.stringMatching(/nvidia-smi not found/) }]);
  });
});
