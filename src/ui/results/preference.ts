import { barChart, type BarRow } from '../../charts/index.js';
import type { ExportTable } from '../../pipeline/export.js';
import type { PreferenceJudgeResult, PreferenceResultFile, Stat } from '../../pipeline/results.js';
import { directionText, type Direction } from './direction.js';
import { STAT_COLUMNS, statCells } from './format.js';
import { need, type PaneModel } from './model.js';

/** What a paired comparison of condition models as judges measures, in every table that shows one. */
export const SPB_DIFFERENCE = 'per-instruction SPB difference';

interface PreferenceView {
  label: string;
  direction: Direction;
  /** (row label, number) pairs for one judge. */
  rows(j: PreferenceJudgeResult): [string, Stat][];
}

export const PREFERENCE_VIEWS: PreferenceView[] = [
  { label: 'SPB / PSB', direction: { better: 'zero', why: 'no bias' }, rows: (j) => [['SPB', j.spb], ['PSB', j.psb]] },
  {
    label: 'preference S per source',
    direction: { better: 'neither', why: "compare the judge's own source with the others" },
    rows: (j) => Object.entries(j.sources).map(([source, s]): [string, Stat] => [source === j.own ? `${source} (own)` : source, s.s]),
  },
  { label: 'position bias', direction: { better: 'zero', why: 'order does not sway the judge' }, rows: (j) => [['position bias', j.positionBias]] },
];

/**
 * A condition's own model is drawn under its target with the condition in the row label
 * ("SPB multi"), so that the rows stay told apart when labels are cut short.
 */
function barPlace(j: PreferenceJudgeResult): { group: string; suffix: string } {
  if (!j.condition) return { group: j.judge, suffix: '' };
  const { condition, target } = j.condition;
  return { group: target, suffix: ` ${condition.startsWith(`${target}/`) ? condition.slice(target.length + 1) : condition}` };
}

export function preferenceBars(file: PreferenceResultFile, view: number): BarRow[] {
  return file.judges.flatMap((j) => {
    const { group, suffix } = barPlace(j);
    return PREFERENCE_VIEWS[view].rows(j).map(([label, s]) => ({ group, label: label + suffix, value: s.value, lo: s.lo, hi: s.hi, n: s.n }));
  });
}

export function preferenceNotes(file: PreferenceResultFile): string[] {
  const read = (j: PreferenceJudgeResult) => j.methods.logprobs + j.methods.verdict + (j.methods.likelihood ?? 0);
  const notes = file.judges.filter((j) => j.verdictFallback).map((j) => `${j.judge}: VERDICT fallback (no log-probs) for ${j.methods.verdict} of ${read(j)} judgements`);
  for (const j of file.judges) {
    if (j.unparseable) notes.push(`${j.judge}: ${j.unparseable} UNREADABLE verdicts (no A/B probabilities, no parseable verdict), left out of S, SPB and PSB`);
    if (j.errors) notes.push(`${j.judge}: ${j.errors} judgements FAILED (the request gave up), left out of S, SPB and PSB: rerun preference with --retry-errors`);
  }
  const orderFree = file.judges.filter((j) => j.orderInvariant).map((j) => j.judge);
  const whom = orderFree.length === file.judges.length ? 'every judge' : orderFree.join(', ');
  if (orderFree.length) notes.push(`position bias cannot arise for ${whom}: it compares the two answers' likelihoods, which ignore order (both orders are still judged)`);
  const byCondition = file.conditionJudges;
  if (byCondition && !byCondition.enabled && byCondition.reason) notes.push(`the conditions' own models did not judge: ${byCondition.reason}`);
  const blind = file.judges.filter((j) => j.answerBlind).map((j) => j.judge);
  if (blind.length) notes.push(`ANSWER-BLIND, no SPB, PSB or S: ${blind.join(', ')} gave the same P(A) whichever answer came first — use a judge that reads the answers`);
  for (const j of file.judges) {
    const o = j.bothOrders;
    // Mostly blind: the numbers stand, on the few pairs where the order did not decide.
    if (!j.answerBlind && o && o.pairs > 0 && o.same * 2 >= o.pairs) notes.push(`MOSTLY ANSWER-BLIND: ${j.judge} gave the same P(A) both ways in ${o.same} of ${o.pairs} pairs — its SPB and PSB come from the other ${o.pairs - o.same}; those ${o.same} count as ties`);
  }
  const noOwn = file.judges.filter((j) => j.own === null).map((j) => j.judge);
  if (noOwn.length) notes.push(`no source of the judge's own family, SPB undefined: ${noOwn.join(', ')}`);
  const errors = file.judges.reduce((s, j) => s + j.errors, 0);
  if (errors > 0) notes.push(`${errors} judgements failed (retry with --retry-errors)`);
  return notes;
}

function preferenceTable(file: PreferenceResultFile, view: number): ExportTable {
  return {
    pane: 'preference',
    title: `Self-preference: ${PREFERENCE_VIEWS[view].label}`,
    columns: ['judge', 'family', 'own source', 'measure', ...STAT_COLUMNS, 'verdict fallback'],
    rows: file.judges.flatMap((j) => PREFERENCE_VIEWS[view].rows(j).map(([label, s]) => [j.judge, j.family, j.own, label, ...statCells(s), j.verdictFallback])),
    notes: preferenceNotes(file),
  };
}

export const preferencePane: PaneModel = {
  id: 'preference',
  scrolls: { head: 0, foot: 1 },
  title: 'Self-preference (SPB, PSB)',
  needs: ['preference'],
  views: () => PREFERENCE_VIEWS.map((v) => v.label),
  draw: (loaded, view, opts) => barChart(preferenceBars(need(loaded, 'preference'), view), { ...opts, order: 'given', axisNote: directionText(PREFERENCE_VIEWS[view].direction, opts.ascii) }),
  table: (loaded, view) => preferenceTable(need(loaded, 'preference'), view),
  notes: (loaded) => preferenceNotes(need(loaded, 'preference')),
};
