import { useState } from 'react';
import { useApp } from './context.js';

/**
 * useState that outlives its screen: the value is kept in the app under `key`, so a screen
 * left for help or Compare and opened again finds its focus, zoom and views as they were.
 */
export function useRemembered<T>(key: string, initial: T | (() => T)): [T, (next: T | ((prev: T) => T)) => void] {
  const { memory } = useApp();
  const [value, setValue] = useState<T>(() => (memory.has(key) ? (memory.get(key) as T) : typeof initial === 'function' ? (initial as () => T)() : initial));
  const set = (next: T | ((prev: T) => T)) =>
    setValue((prev) => {
      const v = typeof next === 'function' ? (next as (prev: T) => T)(prev) : next;
      memory.set(key, v);
      return v;
    });
  return [value, set];
}
