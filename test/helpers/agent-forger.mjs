// The candidate's own program, posing as the browser's native host: it connects to the agent's
// socket and sends the messages in a JSON file (an array) as native-messaging frames, then repeats
// the last one every --every MS (a forged heartbeat). It prints one JSON object per line: what it
// sent, what the agent answered, and when the connection closed. Plain JavaScript, so that it runs as
// another account (`nobody`) with nothing but node.
//
//   node agent-forger.mjs SOCKET MESSAGES.json [--every MS] [--raw FILE]
//
// --raw FILE sends that file's bytes as one frame instead (a frame no encoder of ours would write).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [socketPath, messagesFile, ...rest] = process.argv.slice(2);
const every = rest.includes('--every') ? Number(rest[rest.indexOf('--every') + 1]) : 0;
const raw = rest.includes('--raw') ? rest[rest.indexOf('--raw') + 1] : undefined;
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function frame(body) {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

const messages = messagesFile ? JSON.parse(readFileSync(messagesFile, 'utf8')) : [];
const socket = connect(socketPath);
let buffered = Buffer.alloc(0);
socket.on('connect', () => {
  say({ connected: true, pid: process.pid });
  for (const m of messages) socket.write(frame(Buffer.from(JSON.stringify(m))));
  if (raw) socket.write(frame(readFileSync(raw)));
  say({ sent: messages.length + (raw ? 1 : 0) });
  if (every > 0 && messages.length > 0) {
    let sequence = 1;
    setInterval(() => {
      const last = structuredClone(messages[messages.length - 1]);
      if (last.report) {
        sequence += 1;
        last.report.sequence = sequence;
        last.report.generatedAt = new Date().toISOString();
      }
      socket.write(frame(Buffer.from(JSON.stringify(last))));
    }, every);
  }
});
socket.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4) {
    const n = buffered.readUInt32LE(0);
    if (buffered.length < 4 + n) break;
    const body = buffered.subarray(4, 4 + n).toString('utf8');
    buffered = buffered.subarray(4 + n);
    try {
      say({ received: JSON.parse(body) });
    } catch {
      say({ received: body.slice(0, 200) });
    }
  }
});
socket.on('error', (e) => say({ error: e.code ?? e.message }));
socket.on('close', () => {
  say({ closed: true });
  process.exit(0);
});
