// Byte and integer helpers shared by the signing code: strict hex, unsigned
// big-endian integers, and uint64 values carried as decimal strings.

import { invalidArgument } from './errors.js';

/** Largest uint64. */
export const U64_MAX = (1n << 64n) - 1n;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Bytes of a hex string; refuses odd lengths and non-hex characters (Node's
 * Buffer.from(text, 'hex') would silently stop at the first bad one).
 * @param {string} text
 * @param {string} [what] named in the error
 * @returns {Buffer}
 */
export function fromHex(text, what = 'value') {
  if (typeof text !== 'string' || !HEX.test(text)) {
    throw invalidArgument(`${what} must be an even number of hex digits`);
  }
  return Buffer.from(text, 'hex');
}

/**
 * A Buffer view of bytes given as a Buffer, Uint8Array or hex string.
 * @param {Uint8Array | string} value
 * @param {string} what
 * @param {number} [length] required length in bytes
 * @returns {Buffer}
 */
export function toBytes(value, what, length) {
  let bytes;
  if (typeof value === 'string') bytes = fromHex(value, what);
  else if (value instanceof Uint8Array) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else throw invalidArgument(`${what} must be bytes (Buffer, Uint8Array or hex string)`);
  if (length !== undefined && bytes.length !== length) {
    throw invalidArgument(`${what} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/**
 * An unsigned 64-bit integer from a bigint, a safe integer number or a
 * decimal string (as gRPC responses carry uint64 fields).
 * @param {bigint | number | string} value
 * @param {string} what
 * @returns {bigint}
 */
export function toU64(value, what) {
  let big;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) big = BigInt(value);
  else throw invalidArgument(`${what} must be an unsigned 64-bit integer, got ${String(value)}`);
  if (big < 0n || big > U64_MAX) throw invalidArgument(`${what} ${big} is outside 0..${U64_MAX}`);
  return big;
}

/**
 * @param {number} n
 * @returns {Buffer} 4 bytes, big-endian
 */
export function u32(n) {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
}

/**
 * @param {bigint} n
 * @returns {Buffer} 8 bytes, big-endian
 */
export function u64(n) {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(n);
  return out;
}

/**
 * Microseconds since the Unix epoch, now.
 * @returns {bigint}
 */
export function nowUs() {
  return BigInt(Date.now()) * 1000n;
}
