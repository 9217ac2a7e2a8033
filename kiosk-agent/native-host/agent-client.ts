/** `invigil check` asking a running agent for the seat's status over the local socket. */
import { connect } from 'node:net';
import { encodeFrame, FrameReader } from './framing.ts';
import { type AgentStatusReply, AgentStatusReplySchema, MAX_SOCKET_FRAME_BYTES } from './socket-protocol.ts';

/** The agent's status, or null when no agent answers on that socket within `timeoutMs`. */
export function requestAgentStatus(socketPath: string, timeoutMs = 3000): Promise<AgentStatusReply | null> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const reader = new FrameReader(MAX_SOCKET_FRAME_BYTES, 'agent message');
    const done = (value: AgentStatusReply | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('connect', () => {
      socket.write(
        encodeFrame({ type: 'socket/hello', role: 'check', pid: process.pid }, MAX_SOCKET_FRAME_BYTES),
      );
      socket.write(encodeFrame({ type: 'agent/status-request' }, MAX_SOCKET_FRAME_BYTES));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of reader.push(chunk)) {
          if (!frame.ok) continue;
          const parsed = AgentStatusReplySchema.safeParse(frame.message);
          if (parsed.success) return done(parsed.data);
        }
      } catch {
        done(null);
      }
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
  });
}
