/**
 * The Jupyter messaging protocol's wire format (version 5.3): a message is a list of ZeroMQ
 * frames — routing identities, the delimiter `<IDS|MSG>`, the HMAC signature, then header,
 * parent header, metadata and content as JSON, then binary buffers. The signature is the
 * connection file's HMAC over the four JSON frames; a message whose signature does not match, or
 * that repeats one already seen (a replay), is dropped. Pure: no sockets here (kernel.ts has them).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import * as os from 'node:os';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message {
  /** ZeroMQ routing identities (ROUTER sockets) or the topic (IOPub). */
  identities: Buffer[];
  header: Header;
  /** The request's header for replies and outputs; {} for messages that answer nothing. */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** How many signatures are remembered to refuse a replayed message (jupyter_client keeps as many). */
const SEEN_LIMIT = 1 << 16;

/**
 * Signs and checks messages with the connection file's key and scheme (`hmac-sha256`; any
 * `hmac-<digest>` Node knows). An empty key means unsigned messages, as in jupyter_client.
 */
export class Signer {
  private readonly digest: string;
  private readonly seen = new Set<string>();

  constructor(
    scheme: string,
    private readonly key: string,
  ) {
    const m = /^hmac-(\w+)$/.exec(scheme);
    if (!m) throw new Error(`unsupported signature scheme '${scheme}' (expected hmac-sha256)`);
    this.digest = m[1];
    // Fails now, not at the first message, when Node has no such digest.
    createHmac(this.digest, 'probe');
  }

  sign(frames: Buffer[]): string {
    if (!this.key) return '';
    const h = createHmac(this.digest, this.key);
    for (const f of frames) h.update(f);
    return h.digest('hex');
  }

  /** Whether `signature` is right for `frames` and new (each signature is accepted once). */
  accept(signature: string, frames: Buffer[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(frames), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    if (this.seen.has(signature)) return false;
    if (this.seen.size >= SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(signature);
    return true;
  }
}

export type Decoded = { ok: true; message: Message } | { ok: false; reason: string };

/** Reads a message from its frames; a bad signature or malformed JSON is a reason, never a throw. */
export function decode(frames: Buffer[], signer: Signer): Decoded {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString('latin1') === DELIMITER);
  if (at < 0 || frames.length < at + 6) return { ok: false, reason: 'not a Jupyter message (no delimiter or too few frames)' };
  const signature = frames[at + 1].toString('latin1');
  const parts = frames.slice(at + 2, at + 6);
  if (!signer.accept(signature, parts)) return { ok: false, reason: 'wrong or repeated HMAC signature' };
  try {
    const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString('utf8')) as unknown);
    if (!isObject(header) || typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') return { ok: false, reason: 'header without msg_type or msg_id' };
    return {
      ok: true,
      message: {
        identities: frames.slice(0, at),
        header: header as unknown as Header,
        parent_header: (isObject(parent_header) ? parent_header : {}) as Message['parent_header'],
        metadata: isObject(metadata) ? metadata : {},
        content: isObject(content) ? content : {},
        buffers: frames.slice(at + 6),
      },
    };
  } catch (err) {
    return { ok: false, reason: `malformed JSON (${(err as Error).message})` };
  }
}

/** The frames of a message, signed. */
export function encode(message: Message, signer: Signer): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'));
  return [...message.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts, ...message.buffers];
}

/** A new message of this kernel's session, answering `parent` (if any). */
export function newMessage(session: string, msgType: string, content: Record<string, unknown>, parent?: Message, identities: Buffer[] = parent?.identities ?? []): Message {
  return {
    identities,
    header: { msg_id: randomUUID(), session, username: username(), date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION },
    parent_header: parent?.header ?? {},
    metadata: {},
    content,
    buffers: [],
  };
}

let user: string | undefined;
function username(): string {
  if (user === undefined) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'kernel';
    }
  }
  return user;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Jupyter counts cursor positions in Unicode code points (protocol 5.2 and later), JavaScript in
 * UTF-16 code units: the two differ after any character outside the Basic Multilingual Plane.
 */
export function utf16Offset(text: string, codePoints: number): number {
  let i = 0;
  for (let n = 0; n < codePoints && i < text.length; n++) i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

export function codePointOffset(text: string, utf16: number): number {
  let n = 0;
  for (let i = 0; i < utf16 && i < text.length; n++) i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return n;
}
