"use client";

/**
 * Work not yet sent, kept in this browser (demonstration episodes, takeover segments): a list in localStorage
 * under `key`, loaded when the view opens and written on every change (removed once empty), so a reload or a
 * closed tab loses nothing. Where the browser refuses to store it, the list lives on in memory and
 * `onSaveError` says so. `ref` is the list as last saved, for callbacks between renders.
 */
import { useCallback, useEffect, useRef, useState } from "react";

export function useStoredList<T>(key: string, onSaveError?: () => void): { list: T[]; ref: { readonly current: T[] }; save: (list: T[]) => void } {
  const [list, setList] = useState<T[]>([]);
  const ref = useRef<T[]>([]);
  const onError = useRef(onSaveError);
  onError.current = onSaveError;

  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(key) ?? "[]") as T[];
      if (Array.isArray(saved) && saved.length) {
        ref.current = saved;
        setList(saved);
      }
    } catch {
      // nothing saved
    }
  }, [key]);

  const save = useCallback(
    (next: T[]) => {
      ref.current = next;
      setList(next);
      try {
        if (next.length) localStorage.setItem(key, JSON.stringify(next));
        else localStorage.removeItem(key);
      } catch {
        onError.current?.();
      }
    },
    [key],
  );
  return { list, ref, save };
}
