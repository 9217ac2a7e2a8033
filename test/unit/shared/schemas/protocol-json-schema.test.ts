import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { ConsoleToSeatSchema, SeatToConsoleSchema } from '../../../../shared/schemas/protocol.ts';
import { protocolJsonSchemaFiles } from '../../../../shared/schemas/protocol-json-schema.ts';

const DOCS = resolve(import.meta.dirname, '../../../../docs');

test('the committed JSON Schema is what the shared schemas generate (run `npm run protocol:schema`)', () => {
  const generated = protocolJsonSchemaFiles();
  const committed = readdirSync(join(DOCS, 'protocol')).filter((f) => f.endsWith('.schema.json'));
  expect(committed.sort()).toEqual(Object.keys(generated).sort());
  for (const [name, text] of Object.entries(generated)) {
    expect(JSON.parse(readFileSync(join(DOCS, 'protocol', name), 'utf8')), name).toEqual(JSON.parse(text));
  }
});

test('docs/protocol.md describes every message type, both ways', () => {
  const doc = readFileSync(join(DOCS, 'protocol.md'), 'utf8');
  const types = [...SeatToConsoleSchema.options, ...ConsoleToSeatSchema.options].map(
    (o) => o.shape.type.value,
  );
  expect(types.length).toBeGreaterThan(8);
  for (const t of types) expect(doc, t).toContain(`\`${t}\``);
});
