/**
 * A value that features share and react to (the policy in force, the gate, parts of the report).
 * Listeners are told the new and the previous value; setting an equal value tells nobody.
 */
export type Listener<T> = (value: T, previous: T) => void;

export interface ReadonlyStore<T> {
  get(): T;
  /** Calls `fn` on every change until `signal` aborts. Returns the unsubscribe function. */
  subscribe(fn: Listener<T>, signal?: AbortSignal): () => void;
}

export class Store<T> implements ReadonlyStore<T> {
  #value: T;
  readonly #listeners = new Set<Listener<T>>();
  readonly #equal: (a: T, b: T) => boolean;

  constructor(initial: T, equal: (a: T, b: T) => boolean = jsonEqual) {
    this.#value = initial;
    this.#equal = equal;
  }

  get(): T {
    return this.#value;
  }

  set(value: T): void {
    const previous = this.#value;
    if (this.#equal(previous, value)) return;
    this.#value = value;
    for (const fn of [...this.#listeners]) {
      try {
        fn(value, previous);
      } catch (error) {
        // One listener's bug must not stop the others (site blocking listens here too).
        console.error('[invigil] store listener failed', error);
      }
    }
  }

  update(fn: (value: T) => T): void {
    this.set(fn(this.#value));
  }

  subscribe(fn: Listener<T>, signal?: AbortSignal): () => void {
    this.#listeners.add(fn);
    const off = () => this.#listeners.delete(fn);
    signal?.addEventListener('abort', off, { once: true });
    return off;
  }
}

/** Deep equality for plain JSON data (everything our stores hold). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
