import { describe, expect, it } from 'vitest';
import type { DiversityResultFile } from '../../src/pipeline/results.js';
import { heapsPane } from '../../src/ui/results/heaps.js';
import type { LoadedResults } from '../../src/ui/results/load.js';
import { diversityFile } from './fixtures.js';

/** The diversity fixture cut to the named conditions. */
function loadedWith(conditions: readonly string[], edit: (f: DiversityResultFile) => void = () => {}): LoadedResults {
  const file = diversityFile();
  file.models = file.models.filter((m) => conditions.includes(m.condition));
  edit(file);
  return { files: { diversity: file }, errors: {} };
}

describe('all-conditions Heaps chart', () => {
  it('overlays each fitted curve beside its observed one, with K and beta in a legend line per condition', () => {
    // Fits that miss the observed points, so each drawn fit shows beside (not under) its curve.
    const loaded = loadedWith(['qwen-s/single', 'qwen-s/multi'], (f) => {
      f.models[0].heaps.paper = { k: 2, beta: 0.7, r2: 0.9, points: 5 };
      f.models[1].heaps.paper = { k: 12, beta: 0.55, r2: 0.9, points: 5 };
    });
    const out = heapsPane.draw(loaded, 0, { width: 80, height: 16, ascii: true });
    const lines = out.split('\n');
    expect(lines).toHaveLength(16);
    // Strokes in order: observed "-", its fit "=", the next observed "~", its fit "*".
    expect(lines[0]).toBe('-- qwen-s/single  == fit K=2 beta=0.7');
    expect(lines[1]).toBe('~~ qwen-s/multi  ** fit K=12 beta=0.55');
    const plot = lines.slice(2, -2).join('\n');
    for (const stroke of ['-', '=', '~', '*']) expect(plot).toContain(stroke);
    expect(out).not.toMatch(/[^\x20-\x7e\n]/);
  });

  it('shows only the observed curve of a condition without a fit, and says so nowhere else', () => {
    const out = heapsPane.draw(
      loadedWith(['qwen-s/single', 'qwen-s/multi'], (f) => {
        f.models[1].heaps = { ...f.models[1].heaps, paper: null, logLog: null };
      }),
      0,
      { width: 80, height: 14, ascii: true },
    );
    const lines = out.split('\n');
    expect(lines[0]).toBe('-- qwen-s/single  == fit K=5 beta=0.64');
    expect(lines[1]).toBe('~~ qwen-s/multi');
  });

  it('falls back to observed curves with K and beta listed below when the strokes or rows run out', () => {
    // Six conditions need twelve strokes: no overlay.
    const six = heapsPane.draw(loadedWith(['qwen-s/vanilla', 'qwen-s/human', 'qwen-s/single', 'qwen-s/multi', 'llama-s/single', 'llama-s/multi']), 0, { width: 120, height: 20, ascii: true });
    expect(six).not.toContain('fit K=');
    expect(six).toContain('qwen-s/human K=4 beta=0.62');
    // Two conditions in 7 rows leave no room for two legend lines above a plot.
    const small = heapsPane.draw(loadedWith(['qwen-s/single', 'qwen-s/multi']), 0, { width: 80, height: 7, ascii: true });
    expect(small.split('\n').length).toBeLessThanOrEqual(7);
    expect(small).not.toContain('fit K=');
    expect(small).toContain('qwen-s/single K=5 beta=0.64');
  });

  it('highlights one condition of many at a time, with its fit, the rest dotted behind it', () => {
    const conditions = ['qwen-s/vanilla', 'qwen-s/human', 'qwen-s/single', 'qwen-s/multi', 'llama-s/single', 'llama-s/multi'];
    const loaded = loadedWith(conditions);
    expect(heapsPane.views(loaded)).toHaveLength(1 + conditions.length);
    const out = heapsPane.draw(loaded, 2, { width: 80, height: 16, ascii: true });
    const lines = out.split('\n');
    expect(lines[0]).toBe('qwen-s/human (paper fit), the other 5 dotted');
    // Only the highlighted condition and its fit are in the legend, in the first two strokes.
    expect(lines[1]).toBe('-- observed  == fit K=4 beta=0.62 R2=0.99');
    expect(lines.slice(2).join('\n')).toContain('.');
    expect(out).not.toMatch(/[^\x20-\x7e\n]/);
    // Which way is better is said, since β has no axis of its own.
    expect(heapsPane.notes(loaded).join(' ')).toContain('higher β: the vocabulary keeps growing');
  });
});
