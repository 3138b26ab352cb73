// Replays a recorded connection: reopens its URL with the recorded (editable) headers and
// subprotocols, sends its client → server messages again on a schedule, and compares the answers.
import type {
  ConnectOptions, ConnectionSummary, Micros, ReplayComparison, ReplayPlan, ReplayRequest, ReplayRun, SendRequest, SendResult,
} from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { DialFailure, parseTarget } from '../client/dial.ts';
import { NotFoundError, type LibraryStore, type TimelineStore } from '../store/records.ts';
import { InvalidStateError, type TimelineRecord } from '../tracked-connection.ts';
import { InvalidArgumentError, validateArgument } from '../validation.ts';
import { alignMessages, type CompareMessage } from './compare.ts';
import { buildPlan, reachedServer, recordedMessages, recordedOpenTime, replayConnectOptions, type ReplayMessage } from './plan.ts';
import { replyTimeoutMs, sendOffsets } from './schedule.ts';

export interface ReplayDeps {
  /** The current session's stores (they change when another session is opened). */
  library: () => LibraryStore;
  timeline: () => TimelineStore;
  now: () => Micros;
  /** Throws (NOT_FOUND) for an unknown connection. */
  summary: (connectionId: number) => ConnectionSummary;
  /** Opens a new client connection marked as this run's replay; returns its id. */
  open: (options: ConnectOptions, replayOf: { runId: number; connectionId: number }) => number;
  send: (connectionId: number, req: SendRequest) => SendResult;
  close: (connectionId: number) => void;
  /** Every record of every connection as it is stored (notes tell open/ended; messages tell replies). */
  onRecord: (listener: (connectionId: number, rec: TimelineRecord) => void) => () => void;
  updated: (run: ReplayRun) => void;
}

/** Messages sent in one go before yielding to the event loop (a 'fast' replay of a long capture). */
const SENDS_PER_TICK = 256;

/** A run still sending: what is left to send and what it is waiting for. */
interface ActiveRun {
  run: ReplayRun;
  readonly messages: readonly ReplayMessage[];
  /** Timed modes: when each message goes out, in ms after the replay opened; null for 'wait-reply' (or nothing to send). */
  readonly offsets: readonly number[] | null;
  readonly replyTimeoutMs: number;
  /** When the replay's connection opened; null until its 'open' note. */
  openedAt: Micros | null;
  timer: NodeJS.Timeout | null;
  /** 'wait-reply': a message went out and no server message has come since. */
  awaitingReply: boolean;
}

const decoder = new TextDecoder('utf-8');

export class ReplayService {
  private readonly deps: ReplayDeps;
  /** Running runs by the id of the replay's connection (every record of every connection is looked up here). */
  private readonly running = new Map<number, ActiveRun>();
  private listening = false;

  constructor(deps: ReplayDeps) {
    this.deps = deps;
  }

  plan(connectionId: number): ReplayPlan {
    const summary = this.deps.summary(connectionId);
    return buildPlan(summary, recordedMessages(this.deps.timeline(), connectionId).messages);
  }

  start(req: ReplayRequest): ReplayRun {
    const summary = this.deps.summary(req.connectionId);
    const timeline = this.deps.timeline();
    const { messages, firstFrameRow } = recordedMessages(timeline, req.connectionId);
    const plan = buildPlan(summary, messages);
    if (req.url === undefined && plan.url === '') {
      throw new InvalidStateError(`Connection ${req.connectionId} has no recorded URL to replay — give the replay a URL`);
    }
    const cut = messages.findIndex((m) => m.cutFrom !== null);
    if (cut >= 0) {
      throw new InvalidStateError(
        `Message ${cut + 1} of connection ${req.connectionId} was stored cut to the recording cap (${messages[cut]!.data.length} of ${messages[cut]!.cutFrom} bytes), so it cannot be sent again as it was — raise the recording cap and record the connection again`,
      );
    }
    const options = checkedOptions(replayConnectOptions(summary, plan, req));
    const offsets = req.timing.mode === 'wait-reply' || messages.length === 0
      ? null
      : sendOffsets(messages.map((m) => m.time), recordedOpenTime(timeline, summary, firstFrameRow, messages[0]!.time), req.timing);
    this.listen();
    const library = this.deps.library();
    const runId = library.nextReplayRunId();
    const replayId = this.deps.open(options, { runId, connectionId: req.connectionId });
    const run: ReplayRun = {
      id: runId,
      originalId: req.connectionId,
      replayId,
      timing: req.timing,
      state: 'running',
      sent: 0,
      total: messages.length,
      timedOut: 0,
      startedAt: this.deps.now(),
      endedAt: null,
      error: null,
    };
    this.running.set(replayId, {
      run,
      messages,
      offsets,
      replyTimeoutMs: req.timing.mode === 'wait-reply' ? replyTimeoutMs(req.timing) : 0,
      openedAt: null,
      timer: null,
      awaitingReply: false,
    });
    this.publish(run);
    return run;
  }

  /** Cancels what was still to be sent; the replay's connection stays open for the person to close. */
  stop(id: number): ReplayRun {
    const active = this.activeRun(id);
    if (active === undefined) {
      const run = this.deps.library().replayRuns().find((r) => r.id === id);
      if (run === undefined) throw new NotFoundError(`There is no replay run ${id} in this session`);
      throw new InvalidStateError(`Replay run ${id} has already ended (${run.state}) — there is nothing to stop`);
    }
    return this.finish(active, 'stopped', null);
  }

  /** This session's runs, newest first; only the replays of `connectionId` when given. */
  list(connectionId?: number): ReplayRun[] {
    const runs = new Map<number, ReplayRun>();
    for (const run of this.deps.library().replayRuns()) runs.set(run.id, run);
    for (const { run } of this.running.values()) runs.set(run.id, run);
    return [...runs.values()]
      .filter((r) => connectionId === undefined || r.originalId === connectionId)
      .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
  }

  compare(runId: number): ReplayComparison {
    const run = this.activeRun(runId)?.run ?? this.deps.library().replayRuns().find((r) => r.id === runId);
    if (run === undefined) throw new NotFoundError(`There is no replay run ${runId} in this session`);
    const original = this.deps.summary(run.originalId);
    const replay = this.deps.summary(run.replayId);
    const timeline = this.deps.timeline();
    const { pairs, differences } = alignMessages(
      dataMessages(timeline, run.originalId, true), original.openedAt ?? original.createdAt,
      dataMessages(timeline, run.replayId, false), replay.openedAt ?? replay.createdAt,
    );
    return { run, pairs, differences };
  }

  /** The session is about to change: stop running replays (marked 'stopped' in the old session). */
  reset(): void {
    for (const active of [...this.running.values()]) this.finish(active, 'stopped', null);
  }

  private activeRun(runId: number): ActiveRun | undefined {
    for (const active of this.running.values()) {
      if (active.run.id === runId) return active;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- running

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.deps.onRecord((connectionId, rec) => this.recorded(connectionId, rec));
  }

  /** Records of a running replay's connection drive it: its opening, its end, the server's messages. */
  private recorded(connectionId: number, rec: TimelineRecord): void {
    const active = this.running.get(connectionId);
    if (active === undefined) return;
    if (rec.kind === 'note' && rec.event === 'open' && active.openedAt === null) {
      active.openedAt = rec.time;
      // Not from inside the connection's own event handling: the first send waits for the next turn.
      this.later(active, active.offsets === null ? 0 : active.offsets[0] ?? 0);
    } else if (rec.kind === 'note' && rec.event === 'ended') {
      this.finish(active, 'failed', `The replay's connection ended after ${active.run.sent} of ${active.run.total} messages: ${rec.text}`);
    } else if (rec.kind === 'message' && rec.dir === 'in' && active.offsets === null) {
      // 'wait-reply': the server answered, so the next message goes now instead of at the timeout.
      if (!active.awaitingReply) return;
      active.awaitingReply = false;
      this.later(active, 0);
    }
  }

  private later(active: ActiveRun, ms: number): void {
    if (active.timer !== null) clearTimeout(active.timer);
    active.timer = setTimeout(() => {
      active.timer = null;
      this.step(active);
    }, Math.max(0, ms));
  }

  /** Sends what is due now, then sets the timer for what comes next. */
  private step(active: ActiveRun): void {
    if (this.running.get(active.run.replayId) !== active) return;
    const total = active.messages.length;
    let sent = active.run.sent;
    if (sent >= total) {
      this.finish(active, 'done', null);
      return;
    }
    let timedOut = active.run.timedOut;
    if (active.offsets === null) {
      // 'wait-reply': one message, then wait for the server's next message or the timeout, whichever comes first.
      if (active.awaitingReply) timedOut++;
      active.awaitingReply = false;
      if (!this.sendOne(active, sent)) return;
      sent++;
      if (sent < total) {
        active.awaitingReply = true;
        this.later(active, active.replyTimeoutMs);
      }
    } else {
      const elapsed = (this.deps.now() - active.openedAt!) / 1000;
      const batchEnd = Math.min(total, sent + SENDS_PER_TICK);
      while (sent < batchEnd && active.offsets[sent]! <= elapsed) {
        if (!this.sendOne(active, sent)) return;
        sent++;
      }
      if (sent < total) this.later(active, active.offsets[sent]! - elapsed);
    }
    active.run = { ...active.run, sent, timedOut };
    if (sent >= total) {
      this.finish(active, 'done', null);
      return;
    }
    this.publish(active.run);
  }

  /** False when the message could not be sent (the run has failed then). */
  private sendOne(active: ActiveRun, i: number): boolean {
    const m = active.messages[i]!;
    const req: SendRequest = m.opcode === Opcode.TEXT
      ? { kind: 'text', text: decoder.decode(m.data), compress: m.compressed }
      : { kind: 'binary', data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length).toString('base64'), format: 'base64', compress: m.compressed };
    try {
      this.deps.send(active.run.replayId, req);
      return true;
    } catch (err) {
      this.finish(active, 'failed', `Message ${i + 1} of ${active.messages.length} could not be sent: ${(err as Error).message}`, i);
      return false;
    }
  }

  private finish(active: ActiveRun, state: 'done' | 'failed' | 'stopped', error: string | null, sent = active.run.sent): ReplayRun {
    if (active.timer !== null) clearTimeout(active.timer);
    active.timer = null;
    this.running.delete(active.run.replayId);
    active.run = { ...active.run, state, sent, endedAt: this.deps.now(), error };
    this.publish(active.run);
    return active.run;
  }

  private publish(run: ReplayRun): void {
    this.deps.library().putReplayRun(run);
    this.deps.updated(run);
  }
}

/** The options as connections.open checks them, so a bad URL or recorded header fails here, named. */
function checkedOptions(options: ConnectOptions): ConnectOptions {
  try {
    parseTarget(options.url);
    return validateArgument('connections.open', options);
  } catch (err) {
    if (err instanceof DialFailure) throw new InvalidArgumentError(`The replay cannot connect: ${err.message}`);
    if (err instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(err.message.replace('Invalid argument to connections.open', 'The replay cannot connect with these options'));
    }
    throw err;
  }
}

/** A connection's data messages in order; for a recorded original, only those that crossed its server hop. */
function dataMessages(timeline: TimelineStore, connectionId: number, original: boolean): CompareMessage[] {
  const list: CompareMessage[] = [];
  for (const entry of timeline.messages(connectionId)) {
    if (!('rec' in entry)) continue;
    const rec = entry.rec;
    if (original ? !reachedServer(rec) : rec.opcode !== Opcode.TEXT && rec.opcode !== Opcode.BINARY) continue;
    list.push({ index: entry.index, dir: rec.dir, time: rec.time, opcode: rec.opcode, data: rec.data });
  }
  return list;
}
