/**
 * Runs an async job one at a time; calls made while it runs collapse into one more run, so the
 * last call always sees the newest state and nothing runs twice at once.
 */
export function serial(job: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let queued = false;
  return () => {
    if (queued) return running;
    queued = true;
    running = running.then(async () => {
      queued = false;
      try {
        await job();
      } catch (error) {
        console.error('[invigil]', error);
      }
    });
    return running;
  };
}
