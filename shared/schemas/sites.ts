/**
 * Sites and rooms (issue 12): a centre's sites of the awarding body's four kinds (shared/catalogs/sites.ts),
 * each with its rooms; what the Sites routes take and answer.
 */
import { z } from 'zod';
import { SITE_KIND_IDS } from '../catalogs/sites.ts';
import { RecordIdSchema, SiteRefSchema } from './console-api.ts';

const NameSchema = (what: string) => z.string().trim().min(1, `enter the ${what}'s name`).max(100);
export const SiteNameSchema = NameSchema('site');
export const RoomNameSchema = NameSchema('room');

export const RoomViewSchema = z.object({ id: RecordIdSchema, name: z.string() });
export const SiteViewSchema = SiteRefSchema.extend({
  rooms: z.array(RoomViewSchema),
  /** Whether it may be given a coordinator of its own, limited to it (sub-contracted delivery sites). */
  ownCoordinatorAllowed: z.boolean(),
});
export type SiteView = z.infer<typeof SiteViewSchema>;

export const SiteCreateSchema = z.strictObject({
  name: SiteNameSchema,
  /** A centre has one lead site (its first); new sites are of the other three kinds. */
  kind: z.enum(SITE_KIND_IDS).refine((k) => k !== 'lead', 'a centre has one lead site: choose another kind'),
  rooms: z
    .array(RoomNameSchema)
    .max(200)
    .default([])
    .refine((r) => new Set(r.map((n) => n.toLowerCase())).size === r.length, 'a room is listed twice'),
});
export const SiteRenameSchema = z.strictObject({ name: SiteNameSchema });
export const RoomCreateSchema = z.strictObject({ name: RoomNameSchema });
export const RoomRenameSchema = z.strictObject({ name: RoomNameSchema });
/** Moving a seat or an invigilator to another site (the centre coordinator's). */
export const SiteMoveSchema = z.strictObject({ siteId: RecordIdSchema });
export const SiteParams = z.strictObject({ id: RecordIdSchema });
export const RoomParams = z.strictObject({ id: RecordIdSchema, roomId: RecordIdSchema });
