import { createContext, useContext, useLayoutEffect } from 'react';
import type { KeyBinding } from './key-match.js';

/**
 * How a screen tells the root input owner what its keys do. The root holds one `useInput`;
 * the mounted screen registers its bindings and handler here on every commit, plus a text
 * field while one is being edited (then printable keys go to the field, not to bindings).
 */

export interface TextField {
  value: string;
  onChange(value: string): void;
  onSubmit(value: string): void;
  onCancel(): void;
}

export interface ScreenKeys {
  bindings: readonly KeyBinding[];
  onAction(action: string): void;
  text: TextField | null;
}

export interface KeyRegistry {
  current: ScreenKeys | null;
}

export const KeyRegistryContext = createContext<KeyRegistry>({ current: null });

export function useScreenKeys<A extends string>(
  bindings: readonly KeyBinding<A>[],
  onAction: (action: A) => void,
  text: TextField | null = null,
): void {
  const registry = useContext(KeyRegistryContext);
  useLayoutEffect(() => {
    const keys: ScreenKeys = { bindings, onAction: onAction as (action: string) => void, text };
    registry.current = keys;
    return () => {
      if (registry.current === keys) registry.current = null;
    };
  });
}
