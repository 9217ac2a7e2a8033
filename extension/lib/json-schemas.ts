/**
 * The JSON Schema of every value the extension validates (see schemas.ts). In tests this module
 * computes them from the zod schemas; the build (vite.config.ts, `inlineJsonSchemas`) replaces the
 * whole module with the computed JSON, so the extension carries the schemas and not zod.
 */
import { type JsonSchema, jsonSchemas, type ValidatedName } from './schemas.ts';

export const JSON_SCHEMAS: Record<ValidatedName, JsonSchema> = jsonSchemas();
