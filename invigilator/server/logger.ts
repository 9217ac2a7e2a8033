import pino from 'pino';

/** The console's structured log (pino): JSON lines, to stderr so that stdout stays for people. */
export type Logger = pino.Logger;

export function createLogger(level: string = process.env.INVIGIL_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'invigil-console' } }, pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
