import { basename } from 'node:path';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunEvent } from '../domain/events.js';
import { applyEvents, emptyNotebook, type NotebookState } from '../pipeline/notebook.js';
import { skippedLinesNote } from '../pipeline/follow.js';
import { sessionPaths } from '../pipeline/paths.js';
import { useApp } from './context.js';

/** Events are folded in batches at most this often, so live charts redraw a few times a second. */
export const EVENT_FLUSH_MS = 250;

type Subscribe = (onEvents: (events: RunEvent[]) => void) => { close(): void };

/** Run events from `subscribe`, folded in batches through the pure notebook reducer. */
function useFoldedEvents(subscribe: Subscribe): NotebookState {
  const [state, setState] = useState(emptyNotebook);
  useEffect(() => {
    let pending: RunEvent[] = [];
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      const batch = pending;
      pending = [];
      setState((s) => applyEvents(s, batch));
    };
    setState(emptyNotebook());
    const follower = subscribe((events) => {
      for (const e of events) pending.push(e);
      timer ??= setTimeout(flush, EVENT_FLUSH_MS);
    });
    return () => {
      follower.close();
      if (timer) clearTimeout(timer);
    };
  }, [subscribe]);
  return state;
}

/**
 * The Run notebook's one event source: replays the session's `events.jsonl`, then follows it.
 * Lines that hold no event are skipped, and the notice line says which and how many.
 */
export function useRunEvents(sessionDir: string): NotebookState {
  const app = useApp();
  const { followEvents } = app.services;
  // notify is a new function at each render: held in a ref, so that it never restarts the replay.
  const notify = useRef(app.notify);
  notify.current = app.notify;
  const subscribe = useCallback<Subscribe>(
    (onEvents) => {
      const file = sessionPaths(sessionDir).events;
      let skipped = 0;
      return followEvents(file, onEvents, {
        fromStart: true,
        onSkipped: (lines) => {
          skipped += lines.length;
          notify.current(skippedLinesNote(basename(file), lines, skipped), 'error');
        },
      });
    },
    [sessionDir, followEvents],
  );
  return useFoldedEvents(subscribe);
}

/** A training run started outside baskets, followed from its output as a train step's events. */
export function useTrainingWatch(target: string): NotebookState {
  const { followTraining } = useApp().services;
  const subscribe = useCallback<Subscribe>((onEvents) => followTraining(target, onEvents), [target, followTraining]);
  return useFoldedEvents(subscribe);
}

/** The services' clock, ticking every `ms` while `active` (elapsed times and ETAs of running work). */
export function useNow(active: boolean, ms = 1000): number {
  const clock = useApp().services.now;
  const [now, setNow] = useState(clock);
  useEffect(() => {
    if (!active) return;
    setNow(clock());
    const timer = setInterval(() => setNow(clock()), ms);
    return () => clearInterval(timer);
  }, [active, ms, clock]);
  return now;
}
