/**
 * `invigil native-host`: what the browser starts for native messaging. It relays between the
 * extension (stdin/stdout, framed) and the agent daemon (the local socket, same framing):
 * - every message from the extension is bounded (size, then nesting depth) before it is parsed and
 *   validated (`ExtensionToHostSchema`); a bad one gets `link/error` naming the problem, and the host
 *   keeps serving (no input ends it with a stack trace);
 * - an impossible frame (a length over the limit, a stream that ends inside a frame) ends the host
 *   with one line on stderr and a non-zero exit: the extension reconnects and starts clean;
 * - while the agent is down the extension hears `link/status: unavailable` and gets no `event/ack`,
 *   so its events stay in its own outbox; the host keeps retrying and says `connected` when back.
 */
import { connect, type Socket } from 'node:net';
import { FIREFOX_EXTENSION_ID } from '../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import { describeIssues } from '../../shared/schemas/issues.ts';
import {
  type ExtensionToHost,
  ExtensionToHostSchema,
  type HostToExtension,
  HostToExtensionSchema,
  MAX_FROM_EXTENSION_BYTES,
  MAX_TO_EXTENSION_BYTES,
} from '../../shared/schemas/native.ts';
import { encodeFrame, FrameReader, FramingError } from './framing.ts';
import { MAX_SOCKET_FRAME_BYTES } from './socket-protocol.ts';

export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}/`;
export const extensionOrigin = (extensionId: string) => `chrome-extension://${extensionId}/`;

export interface NativeHostOptions {
  /**
   * The caller: Chromium passes its origin as the first argument; Firefox passes the manifest's path,
   * then the add-on id, which is the caller here.
   */
  origin: string | undefined;
  /** Which browser starts the host (`--browser firefox`, baked in by `invigil install-host`). */
  browser?: 'chromium' | 'firefox';
  socketPath: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** The extension allowed to use this host (default: the published Invigil extension). */
  extensionId?: string;
  /** Reconnect delays to the agent (ms): starts at min, doubles up to max. */
  retry?: { min: number; max: number };
}

/** Why the host refuses to start for this origin (Firefox: this add-on id), or null. */
export function originProblem(
  origin: string | undefined,
  extensionId = EXTENSION_ID,
  browser: 'chromium' | 'firefox' = 'chromium',
): string | null {
  if (browser === 'firefox') {
    if (!origin) {
      return `no caller given: Firefox starts this host with the manifest's path and the add-on id (${extensionId})`;
    }
    if (origin !== extensionId)
      return `refusing ${origin}: only the Invigil add-on (${extensionId}) may use this host`;
    return null;
  }
  const allowed = extensionOrigin(extensionId);
  if (!origin) {
    return `no caller origin given: the browser starts this host with the extension's origin (${allowed}) as the first argument`;
  }
  if (origin !== allowed)
    return `refusing ${origin}: only the Invigil extension (${allowed}) may use this host`;
  return null;
}

export function runNativeHost(options: NativeHostOptions): Promise<number> {
  const { input, output, errors } = options;
  const retry = options.retry ?? { min: 250, max: 2000 };
  return new Promise<number>((resolve) => {
    const refused = originProblem(
      options.origin,
      options.extensionId ?? (options.browser === 'firefox' ? FIREFOX_EXTENSION_ID : EXTENSION_ID),
      options.browser,
    );
    if (refused) {
      errors.write(`invigil native-host: ${refused}\n`);
      resolve(2);
      return;
    }

    let finished = false;
    let agent: Socket | null = null;
    let agentUp = false;
    let told: 'connected' | 'unavailable' | null = null;
    let retryDelay = retry.min;
    let retryTimer: NodeJS.Timeout | undefined;
    let lastHello: ExtensionToHost | null = null;
    let lastReport: ExtensionToHost | null = null;
    let agentReason = 'not connected yet';

    const finish = (code: number, message?: string) => {
      if (finished) return;
      finished = true;
      if (message) errors.write(`invigil native-host: ${message}\n`);
      clearTimeout(retryTimer);
      agent?.destroy();
      input.removeAllListeners('data');
      input.removeAllListeners('end');
      // An open stdin would keep the process alive after an impossible frame.
      (input as { destroy?: () => void }).destroy?.();
      resolve(code);
    };

    const toExtension = (message: HostToExtension) => {
      if (finished) return;
      try {
        output.write(encodeFrame(message, MAX_TO_EXTENSION_BYTES));
      } catch (error) {
        // Only messages from the agent can be this large; say so rather than send what Chrome would refuse.
        output.write(
          encodeFrame(
            {
              type: 'link/error',
              error: `a message for the extension was refused: ${(error as Error).message}`,
            },
            MAX_TO_EXTENSION_BYTES,
          ),
        );
      }
    };

    const tellStatus = (state: 'connected' | 'unavailable', force = false) => {
      if (told === state && !force) return;
      told = state;
      toExtension({
        type: 'link/status',
        agent: state,
        detail:
          state === 'connected'
            ? 'connected to the Invigil agent'
            : `the Invigil agent is not reachable (${agentReason}); events stay in the extension until it is`,
      });
    };

    const toAgent = (message: unknown) => {
      if (!agent || !agentUp) return false;
      agent.write(encodeFrame(message, MAX_SOCKET_FRAME_BYTES));
      return true;
    };

    // ---- the agent side ----
    const connectAgent = () => {
      if (finished) return;
      const socket = connect(options.socketPath);
      const reader = new FrameReader(MAX_TO_EXTENSION_BYTES, 'agent message');
      agent = socket;
      socket.on('connect', () => {
        agentUp = true;
        retryDelay = retry.min;
        toAgent({ type: 'socket/hello', role: 'native-host', pid: process.pid });
        // The agent may have restarted: tell it again who is connected and how things stand.
        if (lastHello) toAgent(lastHello);
        if (lastReport) toAgent(lastReport);
        tellStatus('connected');
      });
      socket.on('data', (chunk: Buffer) => {
        let frames: ReturnType<FrameReader['push']>;
        try {
          frames = reader.push(chunk);
        } catch (error) {
          errors.write(`invigil native-host: dropped the agent connection: ${(error as Error).message}\n`);
          socket.destroy();
          return;
        }
        for (const frame of frames) {
          if (!frame.ok) {
            errors.write(`invigil native-host: ignored a message from the agent: ${frame.error}\n`);
            continue;
          }
          const parsed = HostToExtensionSchema.safeParse(frame.message);
          if (!parsed.success) {
            errors.write(
              `invigil native-host: ignored a message from the agent: ${describeIssues(parsed.error, frame.message).join('; ')}\n`,
            );
            continue;
          }
          toExtension(parsed.data);
        }
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        agentReason =
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
            ? `no agent is listening on ${options.socketPath}`
            : error.code === 'EACCES'
              ? `permission denied on ${options.socketPath}`
              : error.message;
      });
      socket.on('close', () => {
        if (agent === socket) {
          if (agentUp) agentReason = 'the agent closed the connection';
          agent = null;
          agentUp = false;
        }
        if (finished) return;
        tellStatus('unavailable');
        retryTimer = setTimeout(connectAgent, retryDelay);
        retryDelay = Math.min(retry.max, retryDelay * 2);
      });
    };

    // ---- the extension side ----
    const reader = new FrameReader(MAX_FROM_EXTENSION_BYTES, 'message');
    const fromExtension = (chunk: Buffer) => {
      let frames: ReturnType<FrameReader['push']>;
      try {
        frames = reader.push(chunk);
      } catch (error) {
        if (error instanceof FramingError) return finish(1, error.message);
        throw error;
      }
      for (const frame of frames) {
        if (!frame.ok) {
          toExtension({ type: 'link/error', error: frame.error });
          continue;
        }
        const parsed = ExtensionToHostSchema.safeParse(frame.message);
        if (!parsed.success) {
          const type = (frame.message as { type?: unknown } | null)?.type;
          toExtension({
            type: 'link/error',
            error:
              `message ${reader.count} refused: ${describeIssues(parsed.error, frame.message).slice(0, 5).join('; ')}`.slice(
                0,
                2000,
              ),
            ...(typeof type === 'string' ? { inReplyTo: type.slice(0, 64) } : {}),
          });
          continue;
        }
        const message = parsed.data;
        if (message.type === 'link/hello') lastHello = message;
        if (message.type === 'report/compliance') lastReport = message;
        const relayed = toAgent(message);
        // The extension always hears how the link stands after a hello, and why events go unacknowledged.
        if (message.type === 'link/hello') tellStatus(relayed ? 'connected' : 'unavailable', true);
        else if (!relayed && message.type === 'event/batch') tellStatus('unavailable', true);
      }
    };
    input.on('data', (chunk: Buffer) => {
      if (finished) return;
      try {
        fromExtension(chunk);
      } catch (error) {
        // No input may end the host with a stack trace: say so to the extension, keep serving.
        toExtension({
          type: 'link/error',
          error: `the host could not handle that message: ${(error as Error).message}`.slice(0, 2000),
        });
      }
    });
    input.on('end', () => {
      try {
        reader.end();
        finish(0);
      } catch (error) {
        finish(1, (error as Error).message);
      }
    });
    input.on('error', (error: Error) => finish(1, `cannot read from the browser: ${error.message}`));
    output.on('error', (error: Error) => finish(1, `cannot write to the browser: ${error.message}`));

    connectAgent();
  });
}
