/**
 * The agent's local socket (Unix socket 0600 in a 0700 folder, or a Windows named pipe): native
 * hosts relay the extension's messages here, `invigil check` asks for the seat's status.
 * Every frame is validated, its size and nesting bounded before it is parsed; a bad message gets
 * `link/error` naming the problem (and the log keeps a bounded slice of its raw text, never a
 * re-serialised copy) and the connection keeps going; an impossible frame (over the size limit) ends
 * that connection only. No input reaches past a connection: every handler is caught.
 *
 * Each connection is identified when it is accepted (`identify`, kiosk-agent/link-trust/): the process
 * the kernel says connected, its parent, and whether it may speak for the browser. The agent decides
 * what to do with that (seat/agent.ts).
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { z } from 'zod';
import { excerpt } from '../../shared/schemas/bounded-json.ts';
import { describeIssues } from '../../shared/schemas/issues.ts';
import {
  ExtensionToHostSchema,
  type HostToExtension,
  MAX_TO_EXTENSION_BYTES,
} from '../../shared/schemas/native.ts';
import type { PeerInfo } from '../link-trust/identify.ts';
import { WindowsPipeServer } from '../link-trust/windows-pipe.ts';
import { encodeFrame, FrameReader, FramingError } from '../native-host/framing.ts';
import {
  isNamedPipe,
  preparePrivateDir,
  SOCKET_MODES,
  type SocketAccess,
} from '../native-host/socket-path.ts';
import {
  AgentStatusRequestSchema,
  type AgentToClient,
  type ClientToAgent,
  MAX_SOCKET_FRAME_BYTES,
  SocketHelloSchema,
} from '../native-host/socket-protocol.ts';

export interface Client {
  readonly id: number;
  role: 'native-host' | 'check' | 'unknown';
  /** Set once the extension behind a native host has said `link/hello`. */
  extension: { version: string } | null;
  /** Who connected, as the operating system saw it when the connection was accepted. */
  peer: PeerInfo | null;
  /** Whether this connection is closed. */
  readonly closed: boolean;
  send(message: AgentToClient): void;
  /** Says why, then closes the connection; nothing more it sends is read. */
  refuse(error: string): void;
}

export interface LocalServerHandlers {
  message(client: Client, message: ClientToAgent): void;
  closed(client: Client): void;
  /** Who is at the other end of a new connection (`pid` when the server already knows it: Windows). */
  identify?(socket: Socket, pid?: number): PeerInfo;
  log: {
    warn(obj: object, msg?: string): void;
    info(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
}

/** Picks the schema by `type`, so that errors name the field rather than "no union member matched". */
export function parseClientMessage(
  raw: unknown,
): { ok: true; message: ClientToAgent } | { ok: false; error: string; type?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'a message must be a JSON object with a "type"' };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, error: 'the message has no "type"' };
  const schema: z.ZodType<ClientToAgent> =
    type === 'socket/hello'
      ? SocketHelloSchema
      : type === 'agent/status-request'
        ? AgentStatusRequestSchema
        : ExtensionToHostSchema;
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const problems = describeIssues(r.error, raw);
  return {
    ok: false,
    error: `${excerpt(type, 60)}: ${problems.slice(0, 5).join('; ')}`.slice(0, 2000),
    type: type.slice(0, 64),
  };
}

export class LocalServer {
  private server: Server | null = null;
  private windowsPipe: WindowsPipeServer | null = null;
  private readonly clients = new Set<Client & { socket: Socket }>();
  private nextId = 1;

  constructor(
    readonly path: string,
    private readonly handlers: LocalServerHandlers,
    private readonly access: SocketAccess = 'user',
  ) {}

  async listen(): Promise<void> {
    if (process.platform === 'win32' && isNamedPipe(this.path)) {
      // Served through the Win32 API, so that each client's process id is known (windows-pipe.ts).
      this.windowsPipe = new WindowsPipeServer(
        this.path,
        (socket, pid) => this.accept(socket, pid ?? undefined),
        (error) => this.handlers.log.warn({ err: error }, 'named pipe error'),
      );
      this.windowsPipe.listen();
      return;
    }
    preparePrivateDir(this.path, this.access);
    if (!isNamedPipe(this.path) && existsSync(this.path)) {
      if (await socketAnswers(this.path)) {
        throw new Error(`another Invigil agent is already serving ${this.path}`);
      }
      unlinkSync(this.path); // left behind by an agent that was killed
    }
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (!isNamedPipe(this.path)) chmodSync(this.path, SOCKET_MODES[this.access].socket);
    server.on('error', (error) => this.handlers.log.warn({ err: error }, 'local socket error'));
    this.server = server;
  }

  /** Native hosts whose extension has said hello. */
  linkedHosts(): Client[] {
    return [...this.clients].filter((c) => c.role === 'native-host' && c.extension !== null);
  }

  /** Every open connection. */
  connections(): Client[] {
    return [...this.clients];
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.socket.destroy();
    this.windowsPipe?.close();
    this.windowsPipe = null;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(socket: Socket, pid?: number): void {
    const reader = new FrameReader(MAX_SOCKET_FRAME_BYTES, 'message');
    let refused = false;
    const client: Client & { socket: Socket } = {
      id: this.nextId++,
      role: 'unknown',
      extension: null,
      peer: null,
      socket,
      get closed() {
        return socket.destroyed || refused;
      },
      send: (message) => {
        if (socket.destroyed || !socket.writable) return;
        let frame: Buffer;
        try {
          frame = encodeFrame(message, MAX_TO_EXTENSION_BYTES);
        } catch (error) {
          frame = encodeFrame(
            { type: 'link/error', error: (error as Error).message } satisfies HostToExtension,
            MAX_TO_EXTENSION_BYTES,
          );
        }
        socket.write(frame);
      },
      refuse: (error) => {
        if (refused) return;
        client.send({ type: 'link/error', error: error.slice(0, 2000) });
        refused = true;
        socket.end();
        // A peer that never reads would hold the connection open: give it a moment, then cut it.
        setTimeout(() => socket.destroy(), 1000).unref();
      },
    };
    this.clients.add(client);
    socket.on('error', () => {}); // a peer that vanished: 'close' follows
    socket.on('close', () => {
      this.clients.delete(client);
      try {
        this.handlers.closed(client);
      } catch (error) {
        this.handlers.log.error(
          { client: client.id, err: error },
          'a closed connection could not be handled',
        );
      }
    });
    if (this.handlers.identify) {
      try {
        client.peer = this.handlers.identify(socket, pid);
      } catch (error) {
        this.handlers.log.error({ client: client.id, err: error }, 'could not identify a connection');
      }
    }
    socket.on('data', (chunk: Buffer) => {
      if (refused) return;
      try {
        this.receive(client, reader, chunk);
      } catch (error) {
        // Nothing a peer sends may end the agent: log what escaped and close that connection only.
        this.handlers.log.error({ client: client.id, err: error }, 'a message on the local socket failed');
        client.refuse('the agent could not handle that message; closing this connection');
      }
    });
  }

  private receive(client: Client & { socket: Socket }, reader: FrameReader, chunk: Buffer): void {
    let frames: ReturnType<FrameReader['push']>;
    try {
      frames = reader.push(chunk);
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      this.handlers.log.warn(
        { client: client.id, error: error.message },
        'impossible frame on the local socket; closing that connection',
      );
      client.refuse(`${error.message}; closing this connection`);
      return;
    }
    for (const frame of frames) {
      if (client.closed) return;
      if (!frame.ok) {
        this.handlers.log.warn(
          { client: client.id, error: frame.error, excerpt: frame.excerpt },
          'refused a frame on the local socket',
        );
        client.send({ type: 'link/error', error: frame.error });
        continue;
      }
      const parsed = parseClientMessage(frame.message);
      if (!parsed.ok) {
        this.handlers.log.warn(
          { client: client.id, error: parsed.error },
          'refused a message on the local socket',
        );
        client.send({
          type: 'link/error',
          error: parsed.error,
          ...(parsed.type ? { inReplyTo: excerpt(parsed.type, 60) } : {}),
        });
        continue;
      }
      try {
        this.handlers.message(client, parsed.message);
      } catch (error) {
        this.handlers.log.warn({ client: client.id, err: error }, 'a message could not be handled');
        client.send({
          type: 'link/error',
          error: `the agent could not handle ${parsed.message.type}: ${(error as Error).message}`,
        });
      }
    }
  }
}

/** Whether something is listening on that socket path. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
