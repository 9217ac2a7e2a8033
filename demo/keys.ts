/**
 * The demo's "things to try" as keys in its terminal, so they work when nobody can touch the
 * candidate's browser (headless): single keys on a terminal, or one per line from any other stdin
 * (a script or a test), where the words work too.
 */
import { createInterface } from 'node:readline';

export const DEMO_ACTIONS = {
  'forbidden-site': { key: 'f', words: ['forbidden', 'site'] },
  'password-manager': { key: 'p', words: ['password-manager', 'password', 'program'] },
  display: { key: 'd', words: ['display', 'monitor'] },
  screenshot: { key: 's', words: ['screenshot'] },
  'sign-in-link': { key: 'l', words: ['link', 'sign-in-link'] },
  help: { key: 'h', words: ['help', '?'] },
  quit: { key: 'q', words: ['quit', 'stop', 'exit'] },
} as const;
export type DemoAction = keyof typeof DEMO_ACTIONS;

/** The action a key or a line of input asks for, or null. */
export function actionFor(input: string): DemoAction | null {
  const text = input.trim().toLowerCase();
  if (!text) return null;
  for (const [action, { key, words }] of Object.entries(DEMO_ACTIONS)) {
    if (text === key || (words as readonly string[]).includes(text)) return action as DemoAction;
  }
  return null;
}

export interface ActionInput {
  /** Stops listening and gives the terminal back as it was. */
  close(): void;
}

/**
 * Listens on `input`: a terminal in raw mode (a key at a time; Ctrl-C, which raw mode delivers as a
 * character rather than a signal, calls `onInterrupt`), anything else a line at a time. The end of a
 * non-terminal input (such as /dev/null) is not a request to stop.
 */
export function listenForActions(
  input: NodeJS.ReadStream,
  onAction: (action: DemoAction) => void,
  onInterrupt: () => void,
  onUnknown: (text: string) => void = () => undefined,
): ActionInput {
  if (input.isTTY) {
    input.setRawMode(true);
    input.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\u0003') {
          onInterrupt();
          return;
        }
        if (ch === '\r' || ch === '\n') continue;
        const action = actionFor(ch);
        if (action) onAction(action);
        else onUnknown(ch);
      }
    };
    input.on('data', onData);
    input.resume();
    return {
      close() {
        input.off('data', onData);
        if (input.isRaw) input.setRawMode(false);
        input.pause();
      },
    };
  }
  const lines = createInterface({ input, terminal: false });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    const action = actionFor(line);
    if (action) onAction(action);
    else onUnknown(line.trim());
  });
  return {
    close() {
      lines.close();
      input.pause();
    },
  };
}
