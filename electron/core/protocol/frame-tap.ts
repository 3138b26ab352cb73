// Reads frames out of a byte stream without judging them: for recording what this side itself
// writes (its own frames, raw-mode frames included), where a Connection's checks do not apply.
import type { Frame } from './frame.ts';
import { FrameParser, HeaderVerdict, type FrameSink, type ParsedFrame } from './frame-parser.ts';

export class FrameTap implements FrameSink {
  private readonly parser = new FrameParser(this);
  private frames: Frame[] = [];

  /** The frames completed by `bytes` (a frame split across calls comes out with its last piece). */
  push(bytes: Uint8Array): Frame[] {
    this.parser.push(bytes);
    const out = this.frames;
    this.frames = [];
    return out;
  }

  frameHeader(): HeaderVerdict {
    return HeaderVerdict.CONTINUE;
  }

  framePayload(): boolean {
    return true;
  }

  frameComplete(frame: ParsedFrame): boolean {
    this.frames.push(frame);
    return true;
  }
}
