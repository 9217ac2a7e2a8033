#!/usr/bin/env node
// A small real native-messaging host for the extension's e2e tests. Chromium starts it (as it
// would start `invigil native-host`) and talks to it over stdin/stdout with the native-messaging
// framing: a 4-byte little-endian length, then that many bytes of UTF-8 JSON.
// It does nothing on its own: it reports every frame it receives to the test over a control
// socket (JSON lines) and writes whatever the test asks it to send. Node built-ins only.
import { connect } from 'node:net';

const controlPath = process.env.INVIGIL_FIXTURE_CONTROL;
if (!controlPath) {
  process.stderr.write('fixture host: INVIGIL_FIXTURE_CONTROL is not set\n');
  process.exit(2);
}
const MAX_FRAME = 64 * 1024 * 1024;

const control = connect(controlPath);
const report = (obj) => control.write(`${JSON.stringify(obj)}\n`);
control.on('error', () => process.exit(3));
control.on('close', () => process.exit(0));

control.on('connect', () => report({ kind: 'started', pid: process.pid, args: process.argv.slice(2) }));

let pending = '';
control.on('data', (chunk) => {
  pending += chunk.toString('utf8');
  let nl = pending.indexOf('\n');
  while (nl >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.trim() !== '') command(JSON.parse(line));
    nl = pending.indexOf('\n');
  }
});

function frame(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

function command(cmd) {
  if (cmd.kind === 'send') process.stdout.write(frame(cmd.message));
  else if (cmd.kind === 'send-raw') process.stdout.write(Buffer.from(cmd.base64, 'base64'));
  else if (cmd.kind === 'exit') {
    // Flush what was written, then go away as a crashed or stopped host would.
    process.stdout.write('', () => process.exit(cmd.code ?? 0));
  }
}

let input = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  input = Buffer.concat([input, chunk]);
  while (input.length >= 4) {
    const length = input.readUInt32LE(0);
    if (length > MAX_FRAME) {
      report({ kind: 'frame-error', error: `frame of ${length} bytes is over the limit` });
      process.exit(4);
    }
    if (input.length < 4 + length) break;
    const body = input.subarray(4, 4 + length).toString('utf8');
    input = input.subarray(4 + length);
    try {
      report({ kind: 'received', bytes: length, message: JSON.parse(body) });
    } catch (error) {
      report({ kind: 'frame-error', error: String(error) });
    }
  }
});
// Chromium closed the port: a real host exits here.
process.stdin.on('end', () => {
  report({ kind: 'stdin-closed' });
  control.end(() => process.exit(0));
});
