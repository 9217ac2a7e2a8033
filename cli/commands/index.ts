import type { Command } from '../command.ts';

export interface CommandEntry {
  name: string;
  load(): Promise<Command>;
}

/**
 * Every subcommand, in the order `invigil --help` lists them: IT's health check first, then the
 * daemons. Each is loaded only when it runs (the build splits them into chunks): the seat's agent, a
 * daemon on every exam PC, never loads the console's server, the dashboard or the demo.
 */
export const commands: CommandEntry[] = [
  { name: 'check', load: async () => (await import('./check.ts')).check },
  { name: 'agent', load: async () => (await import('./agent.ts')).agent },
  { name: 'native-host', load: async () => (await import('./native-host.ts')).nativeHost },
  { name: 'console', load: async () => (await import('./console.ts')).consoleCommand },
  { name: 'enrol', load: async () => (await import('./enrol.ts')).enrolCommand },
  { name: 'install-host', load: async () => (await import('./install-host.ts')).installHostCommand },
  { name: 'install-service', load: async () => (await import('./install-service.ts')).installServiceCommand },
  { name: 'policy', load: async () => (await import('./policy.ts')).policyCommand },
  { name: 'demo', load: async () => (await import('./demo.ts')).demoCommand },
];
