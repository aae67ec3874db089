#!/usr/bin/env node
// @platformatic/kafka 2.12.1 encodes each produced record through a chain of small writes, one
// Buffer per field (attributes, timestamp delta, offset delta, each length), then joins them: about a
// dozen allocations per record and a copy of every key and value, a sixth of the gateway's CPU at full
// load. This writes a batch's records into one Buffer sized in advance, byte for byte what the library
// writes (libs/kafka/src/platformatic/record-encoding.spec.ts compares the two), for the records Kyodo
// produces: Buffer keys and values (or none) and headers as a Map of Buffers. Any other record takes the
// library's own path. Run on install; it says what it did, and fails if the library changed shape so
// that the patch no longer applies.
'use strict';
const { patchPlatformaticKafka } = require('./patch-platformatic-kafka');

const MARKER = '/* kyodo: records in one buffer */';
const loop = `    const buffer = new DynamicBuffer();
    for (let i = 0; i < messages.length; i++) {
        let ts = messages[i].timestamp ?? now;
        /* c8 ignore next 3 - Hard to test */
        if (typeof ts === 'number') {
            ts = BigInt(ts);
        }
        messages[i].timestamp = ts;
        if (ts > maxTimestamp)
            maxTimestamp = ts;
        const record = createRecord(messages[i], i, firstTimestamp);
        buffer.appendFrom(record.dynamicBuffer);
    }
`;
const anchor = 'export function createRecordsBatch(messages, options = {}) {';
const replacement = `    for (let i = 0; i < messages.length; i++) { ${MARKER}
        let ts = messages[i].timestamp ?? now;
        if (typeof ts === 'number') {
            ts = BigInt(ts);
        }
        messages[i].timestamp = ts;
        if (ts > maxTimestamp)
            maxTimestamp = ts;
    }
    let buffer = kyodoEncodeRecords(messages, firstTimestamp);
    if (buffer === undefined) {
        buffer = new DynamicBuffer();
        for (let i = 0; i < messages.length; i++) {
            buffer.appendFrom(createRecord(messages[i], i, firstTimestamp).dynamicBuffer);
        }
    }
`;
const encoder = `// The records of a batch as createRecord writes them, into one Buffer; undefined when a record is not
// of the shape handled here (Buffer or null key and value, no headers or a Map of Buffers).
function kyodoBytesSize(bytes) {
    return bytes == null ? 1 : kyodoSizeOfVarInt(bytes.length) + bytes.length;
}
function kyodoSizeOfVarInt(value) {
    return kyodoSizeOfUnsignedVarInt((value << 1) ^ (value >> 31));
}
function kyodoSizeOfUnsignedVarInt(value) {
    let bytes = 1;
    while ((value & 0xffffff80) !== 0) {
        bytes++;
        value >>>= 7;
    }
    return bytes;
}
function kyodoWriteVarInt(out, at, value) {
    value = (value << 1) ^ (value >> 31);
    while ((value & 0xffffff80) !== 0) {
        out[at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
    }
    out[at++] = value & 0x7f;
    return at;
}
function kyodoWriteBytes(out, at, bytes) {
    if (bytes == null) {
        return kyodoWriteVarInt(out, at, -1);
    }
    at = kyodoWriteVarInt(out, at, bytes.length);
    bytes.copy(out, at);
    return at + bytes.length;
}
const KYODO_NO_DELTA = [0];
function kyodoTimestampDelta(message, firstTimestamp) {
    if (message.timestamp === firstTimestamp) {
        return KYODO_NO_DELTA;
    }
    // As the library's writeVarInt64: zigzag (with its shift by 31), then 7 bits at a time.
    let value = (message.timestamp - firstTimestamp) << 1n;
    value ^= (message.timestamp - firstTimestamp) >> 31n;
    const bytes = [];
    while ((value & (0xffffffffn - 0x7fn)) !== 0n) {
        bytes.push(Number((value & 0x7fn) | 0x80n));
        value >>= 7n;
    }
    bytes.push(Number(value & 0x7fn));
    return bytes;
}
function kyodoEncodeRecords(messages, firstTimestamp) {
    if (typeof firstTimestamp !== 'bigint') {
        return undefined;
    }
    const count = messages.length;
    const bodies = new Array(count);
    const deltas = new Array(count);
    let size = 0;
    for (let i = 0; i < count; i++) {
        const message = messages[i];
        const { key, value, headers } = message;
        if ((key != null && !Buffer.isBuffer(key)) || (value != null && !Buffer.isBuffer(value)) || typeof message.timestamp !== 'bigint') {
            return undefined;
        }
        if (headers != null && !(headers instanceof Map)) {
            return undefined;
        }
        const delta = kyodoTimestampDelta(message, firstTimestamp);
        let body = 1 + delta.length + kyodoSizeOfVarInt(i) + kyodoBytesSize(key) + kyodoBytesSize(value);
        body += kyodoSizeOfVarInt(headers == null ? 0 : headers.size);
        if (headers != null) {
            for (const [name, text] of headers) {
                if ((name != null && !Buffer.isBuffer(name)) || (text != null && !Buffer.isBuffer(text))) {
                    return undefined;
                }
                body += kyodoBytesSize(name) + kyodoBytesSize(text);
            }
        }
        bodies[i] = body;
        deltas[i] = delta;
        size += kyodoSizeOfVarInt(body) + body;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
        const { key, value, headers } = messages[i];
        at = kyodoWriteVarInt(out, at, bodies[i]);
        out[at++] = 0;
        for (const byte of deltas[i]) {
            out[at++] = byte;
        }
        at = kyodoWriteVarInt(out, at, i);
        at = kyodoWriteBytes(out, at, key);
        at = kyodoWriteBytes(out, at, value);
        at = kyodoWriteVarInt(out, at, headers == null ? 0 : headers.size);
        if (headers != null) {
            for (const [name, text] of headers) {
                at = kyodoWriteBytes(out, at, name);
                at = kyodoWriteBytes(out, at, text);
            }
        }
    }
    return new DynamicBuffer(out);
}
`;

patchPlatformaticKafka({
  name: 'platformatic-kafka-record-encoding',
  file: 'protocol/records.js',
  marker: MARKER,
  apply: (source) =>
    source.includes(loop) && source.includes(anchor)
      ? source.replace(loop, replacement).replace(anchor, `${encoder}${anchor}`)
      : undefined,
});
