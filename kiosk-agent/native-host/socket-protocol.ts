/**
 * The agent's local socket: what `invigil native-host` and `invigil check` say to `invigil agent`.
 * Same framing as native messaging. A native host relays the extension's messages unchanged
 * (`ExtensionToHost` from shared/schemas/native.ts) and receives `HostToExtension` messages to pass
 * on; `invigil check` asks for the seat's status. Both sides are the kiosk agent, so this schema
 * stays in kiosk-agent/ (the extension and the console never see it).
 */
import { z } from 'zod';
import {
  ExtensionToHostSchema,
  HostToExtensionSchema,
  MAX_FROM_EXTENSION_BYTES,
} from '../../shared/schemas/native.ts';
import { SeatStatusSchema } from '../../shared/schemas/protocol.ts';

/** Frames on the local socket may carry a whole extension message plus a little envelope. */
export const MAX_SOCKET_FRAME_BYTES = MAX_FROM_EXTENSION_BYTES + 64 * 1024;

export const SocketHelloSchema = z.object({
  type: z.literal('socket/hello'),
  role: z.enum(['native-host', 'check']),
  /** The native host's process id, for the log. */
  pid: z.number().int().nonnegative().optional(),
});

export const AgentStatusRequestSchema = z.object({ type: z.literal('agent/status-request') });

export const ClientToAgentSchema = z.union([
  SocketHelloSchema,
  AgentStatusRequestSchema,
  ExtensionToHostSchema,
]);
export type ClientToAgent = z.infer<typeof ClientToAgentSchema>;

/** The seat's status as the agent tells `invigil check`: what it sends the console, plus its own readiness. */
export const AgentSeatStatusSchema = SeatStatusSchema.extend({
  state: z.enum(['ready', 'attention', 'not-ready']),
});
export type AgentSeatStatus = z.infer<typeof AgentSeatStatusSchema>;

export const AgentStatusReplySchema = z.object({
  type: z.literal('agent/status'),
  status: AgentSeatStatusSchema,
  /** Events stored and not yet acknowledged upstream. */
  outbox: z.number().int().nonnegative(),
  consoleConnected: z.boolean(),
});
export type AgentStatusReply = z.infer<typeof AgentStatusReplySchema>;

export const AgentToClientSchema = z.union([HostToExtensionSchema, AgentStatusReplySchema]);
export type AgentToClient = z.infer<typeof AgentToClientSchema>;
