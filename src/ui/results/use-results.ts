import { useEffect, useState } from 'react';
import { sessionPaths } from '../../pipeline/paths.js';
import { useApp } from '../context.js';
import { loadResults, type LoadedResults } from './load.js';

/** Result events are folded at most this often, so a burst of rewrites is read once. */
export const RESULT_RELOAD_MS = 250;

const load = (dir: string) => loadResults(sessionPaths(dir));

/**
 * The results of each session folder, read now and re-read when the session's runner reports
 * a rewritten result file ('result' events in events.jsonl), so panes fill in while a run goes on.
 */
export function useResultSets(dirs: readonly string[]): LoadedResults[] {
  const { followEvents } = useApp().services;
  const key = dirs.join('\0');
  const [sets, setSets] = useState<Record<string, LoadedResults>>(() => Object.fromEntries(dirs.map((d) => [d, load(d)])));
  useEffect(() => {
    const list = key === '' ? [] : key.split('\0');
    setSets((old) => Object.fromEntries(list.map((d) => [d, old[d] ?? load(d)])));
    const timers = new Map<string, NodeJS.Timeout>();
    const reload = (dir: string) => {
      timers.delete(dir);
      const fresh = load(dir);
      setSets((old) => ({ ...old, [dir]: fresh }));
    };
    const followers = list.map((dir) =>
      followEvents(
        sessionPaths(dir).events,
        (events) => {
          if (events.some((e) => e.type === 'result') && !timers.has(dir)) timers.set(dir, setTimeout(() => reload(dir), RESULT_RELOAD_MS));
        },
        { fromStart: false },
      ),
    );
    return () => {
      for (const f of followers) f.close();
      for (const t of timers.values()) clearTimeout(t);
    };
  }, [key, followEvents]);
  return dirs.map((d) => sets[d] ?? load(d));
}
