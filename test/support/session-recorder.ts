// The child process of the crash test: records into a session file until it is killed, appending
// rows across ticks and, after each batch is committed by the store's writer, printing the row counts so far ("frames messages").
// Usage: session-recorder.ts <file> [batches]: with a number of batches, it stops after reporting that
// many (blocked, writing nothing more) and waits to be killed.
import { SessionStore } from '../../electron/core/store/session-store.ts';
import { connectionSummary, frameRecord, messageRecord } from './session-records.ts';

const ID = 1;
const store = new SessionStore(process.argv[2]!);
const stopAfter = process.argv[3] === undefined ? Infinity : Number(process.argv[3]);
let reported = 0;
store.createTimeline(ID);
store.saveConnection(connectionSummary(ID));
let time = 0;
let n = 0;

/** Message n's text: its number first (the test checks the numbers run without a gap), then filler. */
const text = (k: number): string => `message ${k} ${'x'.repeat(1000)}`;

function batch(): void {
  // The message whose first fragment ended the previous batch.
  if (n > 0) {
    store.appendFrame(ID, frameRecord({ time: ++time, dir: 'in', opcode: 0, payload: ' end' }), true);
    store.appendMessage(ID, messageRecord(time, 'in', `${text(n)} end`));
  }
  for (let i = 0; i < 200; i++) {
    n++;
    store.appendFrame(ID, frameRecord({ time: ++time, dir: 'out', payload: text(n), maskKey: Uint8Array.of(1, 2, 3, 4) }), true);
    store.appendMessage(ID, messageRecord(time, 'out', text(n)));
    if (i % 50 === 0) store.appendFrame(ID, frameRecord({ time: ++time, dir: 'in', opcode: 9, payload: `ping ${n}` }), false);
  }
  n++;
  store.appendFrame(ID, frameRecord({ time: ++time, dir: 'in', fin: false, payload: text(n) }), true);
  // Queued after the store hands the batch to its writer at the end of the tick; reported once the writer has committed it.
  setImmediate(() => {
    void store.settled().then(() => {
      const { frameRows, messageRows } = store.counts(ID);
      process.stdout.write(`${frameRows} ${messageRows}\n`);
      if (++reported === stopAfter) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      batch();
    });
  });
}

batch();
