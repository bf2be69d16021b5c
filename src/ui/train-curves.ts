import { useEffect, useMemo, useState } from 'react';
import type { TrainMetrics } from '../domain/events.js';
import { SERIES_CAP, type CellState, type LossSeries } from '../pipeline/notebook.js';
import { sessionPaths } from '../pipeline/paths.js';
import { readTrainMetrics } from '../trainers/metrics-file.js';
import { useApp } from './context.js';

/**
 * The train cell's curves: every condition's, not only those whose metrics the current run's
 * events carried. A resumed run skips the conditions it trained before and starts the others at
 * their last checkpoint, so their curves are rebuilt from each run folder's metrics file and the
 * live events are laid over them; the researcher picks which condition's curve the cell draws.
 */

/** A run's logged steps as a loss series, one point per step (a resumed run logs some steps twice: the later wins). */
export function seriesOf(metrics: readonly TrainMetrics[]): LossSeries | null {
  if (metrics.length === 0) return null;
  const train = new Map<number, number>();
  const evalLoss = new Map<number, number>();
  let last: TrainMetrics = metrics[0];
  for (const m of metrics) {
    if (m.loss !== undefined) train.set(m.step, m.loss);
    if (m.evalLoss !== undefined) evalLoss.set(m.step, m.evalLoss);
    last = m.step >= last.step ? { ...last, ...m } : last;
  }
  const points = (byStep: Map<number, number>): [number, number][] => [...byStep].sort((a, b) => a[0] - b[0]).slice(-SERIES_CAP);
  // Older than any live event: the live chart still follows the run that spoke last.
  return { train: points(train), eval: points(evalLoss), last, lastT: 0 };
}

/** A condition's curve from disk with the live run's points laid over it (live wins where both have a step). */
function overlay(disk: LossSeries | undefined, live: LossSeries | undefined): LossSeries | undefined {
  if (!disk || !live) return live ?? disk;
  const merge = (a: [number, number][], b: [number, number][]) => [...new Map([...a, ...b])].sort((x, y) => x[0] - y[0]).slice(-SERIES_CAP);
  return { train: merge(disk.train, live.train), eval: merge(disk.eval, live.eval), last: live.last, lastT: live.lastT };
}

/** Every condition with a curve, in the session's order, live events over what is on disk. */
export function mergeCurves(order: readonly string[], disk: Readonly<Record<string, LossSeries>>, live: Readonly<Record<string, LossSeries>>): Record<string, LossSeries> {
  const names = [...new Set([...order.filter((n) => disk[n] || live[n]), ...Object.keys(live)])];
  return Object.fromEntries(names.map((n) => [n, overlay(disk[n], live[n])!]));
}

/** The task whose curve shows: the one picked, else the one whose metrics arrived last. */
export function shownCurve(training: Readonly<Record<string, LossSeries>>, picked: string | null): string | undefined {
  if (picked !== null && training[picked]) return picked;
  let latest: [string, LossSeries] | undefined;
  for (const entry of Object.entries(training)) if (!latest || entry[1].lastT >= latest[1].lastT) latest = entry;
  return latest?.[0];
}

/** The trained conditions' curves read from their run folders: name → series. */
async function readCurves(dir: string, conditions: readonly string[]): Promise<Record<string, LossSeries>> {
  const paths = sessionPaths(dir);
  const read = await Promise.all(conditions.map(async (name) => [name, seriesOf(await readTrainMetrics(paths.runDir(name)).catch(() => []))] as const));
  return Object.fromEntries(read.filter((entry): entry is readonly [string, LossSeries] => entry[1] !== null));
}

export interface TrainCurves {
  /** The train cell with every condition's curve. */
  cell: CellState;
  /** The task whose curve the cell draws. */
  shown: string | undefined;
  /** Show the next (+1) or previous (−1) condition's curve. */
  step(by: 1 | -1): void;
}

/**
 * The train cell of session `name` (folder `dir`) with the curves on disk merged in, read again
 * whenever the cell's status or set of live runs changes (a run finished, a resume began).
 */
export function useTrainCurves(name: string, dir: string, cell: CellState): TrainCurves {
  const { store } = useApp().services;
  const [disk, setDisk] = useState<Record<string, LossSeries>>({});
  const [picked, setPicked] = useState<string | null>(null);
  const liveRuns = Object.keys(cell.training).join('\n');
  // Read again as the cell changes state: a session edited between runs may train other conditions.
  const order = useMemo(() => conditionsOf(() => store.load(name).conditions.filter((c) => c.kind !== 'vanilla').map((c) => c.name)), [store, name, cell.status]);
  const orderKey = order.join('\n');
  useEffect(() => {
    let current = true;
    void readCurves(dir, orderKey ? orderKey.split('\n') : []).then((curves) => current && setDisk(curves));
    return () => {
      current = false;
    };
  }, [dir, orderKey, cell.status, liveRuns]);
  const training = mergeCurves(order, disk, cell.training);
  const shown = shownCurve(training, picked);
  const names = Object.keys(training);
  return {
    cell: { ...cell, training },
    shown,
    step: (by) => {
      if (names.length === 0) return;
      const at = shown === undefined ? -1 : names.indexOf(shown);
      setPicked(names[(at + by + names.length) % names.length]);
    },
  };
}

/** The session's trained conditions; none while its file cannot be read (the notebook says why elsewhere). */
function conditionsOf(load: () => string[]): string[] {
  try {
    return load();
  } catch {
    return [];
  }
}
