// A byte-level parser for the WebSocket frames (RFC 6455, section 5) a data-plane listener sends,
// and for ringtrain's message layout inside them: the first 24 bytes of every message are the frame
// header (@ringtrain/protocol), the rest is the payload. It knows nothing of sockets: push() takes
// whatever bytes arrived - any split, any offset - and hands payload pieces straight to the sink the
// header asked for, so the payload is never buffered or concatenated here. A reader that can choose
// where its next read lands asks directTarget() first: inside a payload whose sink offers a region
// (MessageSink.reserve), the bytes go there and pushDirect() accounts for them. A slot frame (its payload lies in
// memory the two processes share, see shared-slots.ts) carries only the slot's index, which goes to onSlotMessage.
// Every error is a ProtocolError with a code; after one, the parser refuses further input.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';
import { FRAME_HEADER_BYTES, parseFrameHeader, payloadLengthError, SLOT_INDEX_BYTES, type FrameHeader } from '@ringtrain/protocol';

export interface MessageSink {
  /** Consecutive payload bytes; valid only during the call. */
  write(piece: Uint8Array): void;
  /** Optional: where up to `max` next payload bytes may be placed directly (see PayloadSink.reserve). */
  reserve?(max: number): Uint8Array | undefined;
  /** `n` bytes were placed at the start of the region reserve() returned. */
  commit?(n: number): void;
}

export interface FrameParserEvents {
  /** A message's header is complete: return where its payload goes. */
  onHeader(header: FrameHeader): MessageSink;
  /** The message's last payload byte has been written to its sink. */
  onMessageEnd(header: FrameHeader): void;
  /** A slot frame arrived whole: its payload (header.payloadBytes long) is in shared slot `slot`. */
  onSlotMessage(header: FrameHeader, slot: number): void;
  /** The listener sent a close frame. */
  onClose(code: number, reason: string): void;
}

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
const MAX_CONTROL_PAYLOAD = 125;

export class DataFrameParser {
  // Current frame header (2 to 10 bytes; listener frames are never masked).
  private readonly frameHead = new Uint8Array(10);
  private frameHeadLen = 0;
  private frameRemaining = -1; // payload bytes left in the current frame; -1: reading a frame header
  private opcode = 0;
  private fin = false;
  // Control frame payload, gathered whole (at most 125 bytes).
  private control: Uint8Array | undefined;
  private controlLen = 0;
  // Current message.
  private inMessage = false;
  private readonly msgHead = new Uint8Array(FRAME_HEADER_BYTES);
  private msgHeadLen = 0;
  private header: FrameHeader | undefined;
  private sink: MessageSink | undefined;
  private payloadSeen = 0;
  /** A slot frame's body: the slot index, gathered whole. */
  private readonly slotIndex = new Uint8Array(SLOT_INDEX_BYTES);
  /** Length of the region directTarget() handed out, until pushDirect() accounts for it. */
  private directRoom = 0;
  private failed: ProtocolError | undefined;

  constructor(
    private readonly events: FrameParserEvents,
    private readonly maxPayloadBytes: number,
    private readonly context: ErrorContext = {},
  ) {}

  /** Feeds received bytes. Throws ProtocolError on malformed input. */
  push(bytes: Uint8Array): void {
    this.guarded(() => {
      let at = 0;
      while (at < bytes.length) {
        if (this.frameRemaining < 0) at = this.readFrameHead(bytes, at);
        else at = this.readFramePayload(bytes, at);
      }
    });
  }

  /**
   * Where the next read may land with no copy: a region of the current payload's sink, never past the
   * current frame or the payload, so the read cannot take the next frame's
   * bytes. Undefined outside a payload or when the sink has no region to offer: read elsewhere and push().
   */
  directTarget(): Uint8Array | undefined {
    const sink = this.sink;
    if (!this.inPayload || !sink?.reserve || !sink.commit) return undefined;
    const want = Math.min(this.frameRemaining, this.header!.payloadBytes - this.payloadSeen);
    let region: Uint8Array | undefined;
    // Clamped: a sink that offers more than asked must not let a read take the next frame's bytes.
    this.guarded(() => (region = want > 0 ? sink.reserve!(want)?.subarray(0, want) : undefined));
    this.directRoom = region?.length ?? 0;
    return region && region.length > 0 ? region : undefined;
  }

  /** True while the next bytes are payload bytes of a data frame (a reader may then read a lot at once). */
  get inPayload(): boolean {
    return !this.failed && !this.control && this.header !== undefined && !this.header.inSlot && this.frameRemaining > 0;
  }

  /** `n` bytes were read into the region the last directTarget() returned. */
  pushDirect(n: number): void {
    this.guarded(() => {
      if (n > this.directRoom) this.fail(`read ${n} bytes into a ${this.directRoom}-byte region`);
      this.directRoom = 0;
      this.payloadSeen += n;
      this.frameRemaining -= n;
      this.sink!.commit!(n);
      if (this.frameRemaining === 0) this.endFrame();
    });
  }

  /** Runs `parse`; the first error it throws fails the parser for good. */
  private guarded(parse: () => void): void {
    if (this.failed) throw this.failed;
    try {
      parse();
    } catch (err) {
      this.failed = err instanceof ProtocolError ? err : new ProtocolError(ErrorCodes.PROTOCOL, String(err), this.context);
      throw this.failed;
    }
  }

  private fail(detail: string, code: (typeof ErrorCodes)[keyof typeof ErrorCodes] = ErrorCodes.PROTOCOL): never {
    throw new ProtocolError(code, detail, this.context);
  }

  /** Gathers the 2..10 header bytes; once complete, validates and enters the payload. */
  private readFrameHead(bytes: Uint8Array, at: number): number {
    const head = this.frameHead;
    while (this.frameHeadLen < 2 && at < bytes.length) head[this.frameHeadLen++] = bytes[at++]!;
    if (this.frameHeadLen < 2) return at;
    const len7 = head[1]! & 0x7f;
    const need = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
    while (this.frameHeadLen < need && at < bytes.length) head[this.frameHeadLen++] = bytes[at++]!;
    if (this.frameHeadLen < need) return at;

    if ((head[0]! & 0x70) !== 0) this.fail('frame has RSV bits set (no extension was negotiated)');
    if ((head[1]! & 0x80) !== 0) this.fail('frame from the listener is masked (RFC 6455 5.1 forbids it)');
    this.fin = (head[0]! & 0x80) !== 0;
    this.opcode = head[0]! & 0x0f;
    let length = len7;
    if (len7 === 126) length = (head[2]! << 8) | head[3]!;
    else if (len7 === 127) {
      const high = ((head[2]! << 24) | (head[3]! << 16) | (head[4]! << 8) | head[5]!) >>> 0;
      const low = ((head[6]! << 24) | (head[7]! << 16) | (head[8]! << 8) | head[9]!) >>> 0;
      if (high > 0x1fffff) this.fail('frame length exceeds 2^53 bytes', ErrorCodes.OVERSIZE);
      length = high * 2 ** 32 + low;
    }
    this.frameHeadLen = 0;
    this.startFrame(length);
    return at;
  }

  private startFrame(length: number): void {
    const op = this.opcode;
    if (op >= 0x8) {
      if (!this.fin || length > MAX_CONTROL_PAYLOAD) this.fail('control frame is fragmented or longer than 125 bytes');
      if (op !== OP_CLOSE && op !== OP_PING && op !== OP_PONG) this.fail(`unknown control opcode ${op}`);
      this.control = new Uint8Array(length);
      this.controlLen = 0;
    } else if (op === OP_TEXT) {
      this.fail('text message on the data plane');
    } else if (op === OP_BINARY) {
      if (this.inMessage) this.fail('new message started before the previous one ended');
      this.inMessage = true;
      this.msgHeadLen = 0;
      this.payloadSeen = 0;
      this.header = undefined;
      this.sink = undefined;
    } else if (op === OP_CONTINUATION) {
      if (!this.inMessage) this.fail('continuation frame outside a message');
    } else {
      this.fail(`unknown data opcode ${op}`);
    }
    if (op < 0x8 && length > this.maxPayloadBytes + FRAME_HEADER_BYTES) {
      this.fail(`frame of ${length} bytes is over the ${this.maxPayloadBytes}-byte payload limit`, ErrorCodes.OVERSIZE);
    }
    this.frameRemaining = length;
    if (length === 0) this.endFrame();
  }

  private readFramePayload(bytes: Uint8Array, at: number): number {
    const n = Math.min(this.frameRemaining, bytes.length - at);
    if (this.control) {
      this.control.set(bytes.subarray(at, at + n), this.controlLen);
      this.controlLen += n;
    } else {
      this.dataBytes(bytes.subarray(at, at + n));
    }
    this.frameRemaining -= n;
    if (this.frameRemaining === 0) this.endFrame();
    return at + n;
  }

  /** Message bytes: first the 24-byte header, then payload pieces to the sink. */
  private dataBytes(piece: Uint8Array): void {
    let rest = piece;
    if (!this.header) {
      const take = Math.min(FRAME_HEADER_BYTES - this.msgHeadLen, rest.length);
      this.msgHead.set(rest.subarray(0, take), this.msgHeadLen);
      this.msgHeadLen += take;
      rest = rest.subarray(take);
      if (this.msgHeadLen < FRAME_HEADER_BYTES) return;
      const header = parseFrameHeader(this.msgHead, this.context);
      if (header.payloadBytes > this.maxPayloadBytes) {
        this.fail(`message announces ${header.payloadBytes} payload bytes, over the ${this.maxPayloadBytes}-byte limit`, ErrorCodes.OVERSIZE);
      }
      this.header = header;
      if (!header.inSlot) this.sink = this.events.onHeader(header);
    }
    if (rest.length === 0) return;
    if (this.header.inSlot) {
      if (this.payloadSeen + rest.length > SLOT_INDEX_BYTES) this.fail(`slot frame body is longer than its ${SLOT_INDEX_BYTES}-byte slot index`);
      this.slotIndex.set(rest, this.payloadSeen);
      this.payloadSeen += rest.length;
      return;
    }
    if (this.payloadSeen + rest.length > this.header.payloadBytes) throw payloadLengthError(this.header.payloadBytes, this.payloadSeen + rest.length, this.context);
    this.payloadSeen += rest.length;
    this.sink!.write(rest);
  }

  private endFrame(): void {
    this.frameRemaining = -1;
    const control = this.control;
    if (control) {
      this.control = undefined;
      if (this.opcode === OP_CLOSE) {
        const code = control.length >= 2 ? (control[0]! << 8) | control[1]! : 1005;
        this.events.onClose(code, Buffer.from(control.subarray(2)).toString('utf8'));
      }
      return; // pings and pongs carry nothing for us
    }
    if (!this.fin) return;
    const header = this.header;
    if (!header) this.fail(`message of ${this.msgHeadLen} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`);
    if (header.inSlot && this.payloadSeen !== SLOT_INDEX_BYTES) this.fail(`slot frame body is ${this.payloadSeen} bytes, not a ${SLOT_INDEX_BYTES}-byte slot index`);
    if (!header.inSlot && this.payloadSeen !== header.payloadBytes) throw payloadLengthError(header.payloadBytes, this.payloadSeen, this.context);
    this.inMessage = false;
    this.header = undefined;
    this.sink = undefined;
    if (header.inSlot) this.events.onSlotMessage(header, new DataView(this.slotIndex.buffer).getUint32(0, true));
    else this.events.onMessageEnd(header);
  }
}
