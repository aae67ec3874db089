/**
 * SHA-1 and HMAC-SHA256 for the short messages of the hot path (name-based ids, supply point HMACs),
 * in plain JavaScript. Equal to node:crypto's (the property tests check it); faster here because the
 * messages are one or two blocks, where a native call costs more in crossing into C++ and allocating
 * hash objects than in hashing, and because an HMAC key's padded blocks are hashed once per key.
 * Not constant-time: the inputs are ids, not secrets; the key's pads are precomputed once.
 */

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Scratch space for messages; grown when a longer one comes. */
let scratch = new Uint8Array(256);
const w = new Int32Array(80);

/** Writes `text` as UTF-8 into the scratch buffer at `at`; returns the end. */
export function writeUtf8(text: string, at: number): number {
  // Worst case 3 bytes per UTF-16 unit, plus room for padding and length.
  if (scratch.length < at + text.length * 3 + 72) grow(at + text.length * 3 + 72);
  const bytes = scratch;
  let n = at;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) bytes[n++] = c;
    else if (c < 0x800) {
      bytes[n++] = 0xc0 | (c >> 6);
      bytes[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        bytes[n++] = 0xf0 | (c >> 18);
        bytes[n++] = 0x80 | ((c >> 12) & 63);
        bytes[n++] = 0x80 | ((c >> 6) & 63);
        bytes[n++] = 0x80 | (c & 63);
      } else n = replacement(bytes, n);
    } else if (c >= 0xd800 && c <= 0xdfff) n = replacement(bytes, n);
    else {
      bytes[n++] = 0xe0 | (c >> 12);
      bytes[n++] = 0x80 | ((c >> 6) & 63);
      bytes[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/** An unpaired surrogate encodes as U+FFFD, as Buffer.from(text, 'utf8') does. */
function replacement(bytes: Uint8Array, n: number): number {
  bytes[n] = 0xef;
  bytes[n + 1] = 0xbf;
  bytes[n + 2] = 0xbd;
  return n + 3;
}

function grow(size: number): void {
  const next = new Uint8Array(Math.max(size, scratch.length * 2));
  next.set(scratch);
  scratch = next;
}

/** The scratch buffer, for callers that put bytes (a namespace, say) before the text. */
export function scratchBytes(size: number): Uint8Array {
  if (scratch.length < size + 72) grow(size + 72);
  return scratch;
}

/** Appends SHA padding for a message of `length` bytes at the scratch's start; returns the padded length. */
function pad(length: number): number {
  const padded = (length + 8 + 64) & ~63;
  if (scratch.length < padded) grow(padded);
  const bytes = scratch;
  bytes[length] = 0x80;
  for (let i = length + 1; i < padded - 8; i++) bytes[i] = 0;
  const bits = length * 8;
  const high = Math.floor(bits / 0x100000000);
  bytes[padded - 8] = high >>> 24;
  bytes[padded - 7] = high >>> 16;
  bytes[padded - 6] = high >>> 8;
  bytes[padded - 5] = high;
  bytes[padded - 4] = bits >>> 24;
  bytes[padded - 3] = bits >>> 16;
  bytes[padded - 2] = bits >>> 8;
  bytes[padded - 1] = bits;
  return padded;
}

/** SHA-1 of the scratch's first `length` bytes, into `out` (5 words). Overwrites the scratch past `length`. */
export function sha1Scratch(length: number, out: Int32Array): void {
  const padded = pad(length);
  const bytes = scratch;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < padded; block += 64) {
    for (let i = 0; i < 16; i++) {
      const j = block + i * 4;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  out[0] = h0;
  out[1] = h1;
  out[2] = h2;
  out[3] = h3;
  out[4] = h4;
}

/** Lower-case hex of words[from..to) (big-endian), for digests. */
export function wordsHex(words: Int32Array, from: number, to: number): string {
  let hex = '';
  for (let i = from; i < to; i++) {
    const x = words[i];
    hex += HEX[(x >>> 24) & 255] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
  }
  return hex;
}

export function byteHex(byte: number): string {
  return HEX[byte & 255];
}

const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV256 = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const w256 = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes at `bytes[at]` into `state` (8 words). */
function compress256(state: Int32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + i * 4;
    w256[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const x = w256[i - 15];
    const y = w256[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w256[i] = (w256[i - 16] + s0 + w256[i - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K256[i] + w256[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/**
 * SHA-256 of bytes[0..length) of `bytes` continuing from `state` after `prefixBytes` already hashed
 * (a multiple of 64). `bytes` must have room for padding (the scratch does).
 */
function sha256Continue(state: Int32Array, prefixBytes: number, length: number): void {
  const total = prefixBytes + length;
  const padded = (length + 8 + 64) & ~63;
  if (scratch.length < padded) grow(padded);
  const bytes = scratch;
  bytes[length] = 0x80;
  for (let i = length + 1; i < padded - 8; i++) bytes[i] = 0;
  const bits = total * 8;
  const high = Math.floor(bits / 0x100000000);
  bytes[padded - 8] = high >>> 24;
  bytes[padded - 7] = high >>> 16;
  bytes[padded - 6] = high >>> 8;
  bytes[padded - 5] = high;
  bytes[padded - 4] = bits >>> 24;
  bytes[padded - 3] = bits >>> 16;
  bytes[padded - 2] = bits >>> 8;
  bytes[padded - 1] = bits;
  for (let at = 0; at < padded; at += 64) compress256(state, bytes, at);
}

/** SHA-256 of `data`, as a fresh 32-byte array (for keys longer than a block). */
function sha256Bytes(data: Uint8Array): Uint8Array {
  const state = new Int32Array(IV256);
  let at = 0;
  for (; at + 64 <= data.length; at += 64) compress256(state, data, at);
  const rest = data.length - at;
  const bytes = scratchBytes(rest);
  bytes.set(data.subarray(at), 0);
  sha256Continue(state, at, rest);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = state[i] >>> 24;
    out[i * 4 + 1] = state[i] >>> 16;
    out[i * 4 + 2] = state[i] >>> 8;
    out[i * 4 + 3] = state[i];
  }
  return out;
}

/**
 * HMAC-SHA256 under one key, hex. The states after the key's inner and outer padded blocks are computed
 * once, so each call hashes only the message and the inner digest.
 */
export function hmacSha256Hex(key: Uint8Array): (message: string) => string {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? sha256Bytes(key) : key);
  const inner = new Int32Array(IV256);
  const outer = new Int32Array(IV256);
  const padBlock = new Uint8Array(64);
  for (let i = 0; i < 64; i++) padBlock[i] = block[i] ^ 0x36;
  compress256(inner, padBlock, 0);
  for (let i = 0; i < 64; i++) padBlock[i] = block[i] ^ 0x5c;
  compress256(outer, padBlock, 0);
  const state = new Int32Array(8);
  return (message) => {
    state.set(inner);
    sha256Continue(state, 64, writeUtf8(message, 0));
    const bytes = scratch;
    for (let i = 0; i < 8; i++) {
      bytes[i * 4] = state[i] >>> 24;
      bytes[i * 4 + 1] = state[i] >>> 16;
      bytes[i * 4 + 2] = state[i] >>> 8;
      bytes[i * 4 + 3] = state[i];
    }
    state.set(outer);
    sha256Continue(state, 64, 32);
    return wordsHex(state, 0, 8);
  };
}
