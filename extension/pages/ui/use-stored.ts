/** Pages read what the worker stored, and follow its changes, even while the worker is stopped. */
import { useEffect, useState } from 'preact/hooks';
import { KEYS, readStored, type Stored, watchStored } from '../../lib/stored.ts';

type Key = (typeof KEYS)[keyof typeof KEYS];

/** `undefined` while loading or when nothing valid is stored. The second value is true once read. */
export function useStored<K extends Key>(key: K): [Stored<K> | undefined, boolean] {
  const [value, setValue] = useState<Stored<K> | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let live = true;
    void readStored(key)
      .catch(() => undefined)
      .then((v) => {
        if (!live) return;
        setValue(v);
        setLoaded(true);
      });
    const stop = watchStored(key, (v) => setValue(v));
    return () => {
      live = false;
      stop();
    };
  }, [key]);
  return [value, loaded];
}

export { KEYS };
