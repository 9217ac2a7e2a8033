import { z } from 'zod';
import { SeatEventSchema } from './events.ts';
import {
  ConsoleToSeatSchema,
  EnrolRequestSchema,
  EnrolResponseSchema,
  SEAT_PROTOCOL_VERSION,
  SeatStatusSchema,
  SeatToConsoleSchema,
} from './protocol.ts';

/**
 * JSON Schema (draft 2020-12) for the seat protocol, generated from the zod schemas so the document
 * and the code never disagree. `npm run protocol:schema` writes them to docs/protocol/; a unit test
 * fails when the committed files differ from what this produces.
 */
export function protocolJsonSchemas(): Record<string, unknown> {
  const make = (schema: z.ZodType, id: string, title: string, description: string) => ({
    $id: `https://invigil.example/protocol/v${SEAT_PROTOCOL_VERSION}/${id}`,
    title,
    description,
    ...(z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >),
  });
  return {
    'seat-to-console.schema.json': make(
      SeatToConsoleSchema,
      'seat-to-console.schema.json',
      'Seat to console',
      'Every message a seat sends on the WebSocket, one JSON text frame each.',
    ),
    'console-to-seat.schema.json': make(
      ConsoleToSeatSchema,
      'console-to-seat.schema.json',
      'Console to seat',
      'Every message the console sends to a seat.',
    ),
    'seat-status.schema.json': make(
      SeatStatusSchema,
      'seat-status.schema.json',
      'Seat status',
      'What a seat knows about itself: readiness, findings, the checklist, the extension link.',
    ),
    'seat-event.schema.json': make(
      SeatEventSchema,
      'seat-event.schema.json',
      'Seat event',
      'One event from the seat’s durable outbox (inside seat/events).',
    ),
    'enrol-request.schema.json': make(
      EnrolRequestSchema,
      'enrol-request.schema.json',
      'Enrolment request',
      'POST /api/seats/enrol body.',
    ),
    'enrol-response.schema.json': make(
      EnrolResponseSchema,
      'enrol-response.schema.json',
      'Enrolment response',
      'POST /api/seats/enrol answer (201).',
    ),
  };
}

export function protocolJsonSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(protocolJsonSchemas()).map(([name, schema]) => [
      name,
      `${JSON.stringify(schema, null, 2)}\n`,
    ]),
  );
}
