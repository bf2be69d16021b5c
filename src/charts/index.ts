/** Pure chart functions: data and a pane size in, a string that fits the pane out. */
export type { ChartOptions } from './options.js';
export { paint, type Tone } from './palette.js';
export { asciiText, cleanLabel, displayWidth, formatInterval, formatNumber, pad, truncate, truncateMiddle, wrapWords, dropSharedStart, type Align } from './text.js';
export {
  heapsChart,
  heapsFitCurve,
  DISTINCT_STROKES,
  lineChart,
  lossChart,
  type HeapsFit,
  type LineChartOptions,
  type LineSeries,
  type LossPoint,
  type Point,
} from './lines.js';
export { barBounds, barChart, barColumns, type BarChartOptions, type BarColumns, type BarRow } from './bars.js';
export {
  dangerCounts,
  dangerSummary,
  heatGrid,
  heatGrids,
  MIN_HEAT_GRID_HEIGHT,
  type HeatGridData,
  type HeatGridOptions,
} from './heatgrid.js';
export { sparkline, type SparklineOptions } from './sparkline.js';
