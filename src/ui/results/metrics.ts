import { barChart, type BarRow, type ChartOptions } from '../../charts/index.js';
import type { ExportCell, ExportTable } from '../../pipeline/export.js';
import type { EvaluatedRef, Stat } from '../../pipeline/results.js';
import { directionText, type Direction } from './direction.js';
import { conditionLabel, STAT_COLUMNS, statCells } from './format.js';

/** One number per evaluated model: a bar of a pane, a column of a comparison; which way is better is said wherever it is shown. */
export interface MetricDef<M> {
  label: string;
  unit?: string;
  direction: Direction;
  pick(model: M): Stat;
}

/** A bar of one Stat: its value, interval and n. */
export function statRow(label: string, s: Stat, group?: string): BarRow {
  return { ...(group !== undefined && { group }), label, value: s.value, lo: s.lo, hi: s.hi, n: s.n };
}

export function statBar(ref: EvaluatedRef, s: Stat): BarRow {
  return statRow(conditionLabel(ref), s, ref.target);
}

/** Bars of one metric per condition, grouped by target, in the result file's order. */
export function metricBars<M extends EvaluatedRef>(models: readonly M[], metric: MetricDef<M>): BarRow[] {
  return models.map((m) => statBar(m, metric.pick(m)));
}

/** A metric's bars, from zero, with which way is better on the axis. */
export function drawMetric<M extends EvaluatedRef>(models: readonly M[], metric: MetricDef<M>, opts: ChartOptions): string {
  return barChart(metricBars(models, metric), { ...opts, order: 'given', unit: metric.unit, axisNote: directionText(metric.direction, opts.ascii) });
}

export const REF_COLUMNS = ['target', 'condition', 'kind'];
export function refCells(ref: EvaluatedRef): ExportCell[] {
  return [ref.target, ref.condition, ref.kind];
}

/** The export of one metric: a row per condition with the value, its interval and n. */
export function metricTable<M extends EvaluatedRef>(pane: string, title: string, models: readonly M[], metric: MetricDef<M>, notes: string[]): ExportTable {
  return {
    pane,
    title: `${title}: ${metric.label}`,
    columns: [...REF_COLUMNS, 'metric', ...STAT_COLUMNS],
    rows: models.map((m) => [...refCells(m), metric.label, ...statCells(metric.pick(m))]),
    notes,
  };
}
