/**
 * The native-messaging link's names and limits, without the schemas: the extension imports these,
 * and a module that builds zod schemas at load would pull the whole schema library into its bundle
 * (see extension/README.md, "Size"). `native.ts` re-exports them beside the schemas.
 */

export const NATIVE_PROTOCOL_VERSION = 1;
/** The native-messaging host name registered with the browser. */
export const NATIVE_HOST_NAME = 'uk.invigil.agent';
/** Chrome refuses host-to-browser messages over 1 MB. */
export const MAX_TO_EXTENSION_BYTES = 1024 * 1024;
/** Our own limit the other way (Chrome allows 64 MiB; nothing we send is near 1 MiB). */
export const MAX_FROM_EXTENSION_BYTES = 1024 * 1024;
/** Events per `event/batch`. */
export const MAX_EVENTS_PER_BATCH = 100;
