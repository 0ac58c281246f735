// HashTimers (docs/content.md, services/content/hashtimer.py and
// announce.py): 7 bytes of microseconds, big-endian, then the first 25 bytes
// of BLAKE3("ipndht-hashtimer-v1" 0x00 || u64(time_us) || payload); text
// form 64 lower-case hex digits that sort by time.

import { blake3 } from '@noble/hashes/blake3';

import { toBytes, toU64, u64 } from './bytes.js';
import { invalidArgument } from './errors.js';

/** Bytes of the time prefix: 56 bits of microseconds reach year 4253. */
export const TIME_BYTES = 7;
/** Bytes of BLAKE3 digest kept, so the whole identifier is 32 bytes. */
export const DIGEST_BYTES = 25;
export const HEX_LEN = 2 * (TIME_BYTES + DIGEST_BYTES);
export const MAX_TIME_US = (1n << BigInt(8 * TIME_BYTES)) - 1n;
const DOMAIN = Buffer.from('ipndht-hashtimer-v1\0', 'ascii');
/** Domain prefix of an announcement's HashTimer payload. */
const ANNOUNCE_DOMAIN = Buffer.from('ipndht-announce-v1\0', 'ascii');

/**
 * @typedef {object} HashTimer
 * @property {string} hex 64 lower-case hex digits
 * @property {string} timeUs the time prefix, decimal microseconds
 */

/**
 * The HashTimer of `payload` at `timeUs`.
 * @param {bigint | number | string} timeUs
 * @param {Uint8Array} payload
 * @returns {HashTimer}
 */
export function createHashTimer(timeUs, payload) {
  const time = toU64(timeUs, 'HashTimer time');
  if (time > MAX_TIME_US) {
    throw invalidArgument(`HashTimer time ${time} is outside 0..${MAX_TIME_US} microseconds`);
  }
  const digest = blake3(Buffer.concat([DOMAIN, u64(time), toBytes(payload, 'payload')]));
  const timeHex = time.toString(16).padStart(2 * TIME_BYTES, '0');
  return { hex: timeHex + Buffer.from(digest.subarray(0, DIGEST_BYTES)).toString('hex'), timeUs: time.toString() };
}

/**
 * Parse the 64-hex-digit form; INVALID_ARGUMENT says what is wrong.
 * @param {string} text
 * @returns {HashTimer}
 */
export function parseHashTimer(text) {
  if (typeof text !== 'string' || text.length !== HEX_LEN) {
    throw invalidArgument(`a HashTimer has ${HEX_LEN} hex digits, got ${String(text?.length ?? text)}`);
  }
  if (!/^[0-9a-f]+$/.test(text)) throw invalidArgument('a HashTimer is lower-case hex (0-9, a-f)');
  return { hex: text, timeUs: BigInt(`0x${text.slice(0, 2 * TIME_BYTES)}`).toString() };
}

/**
 * The HashTimer of an announcement from its signed fields, as the content
 * service recomputes it:
 * payload = "ipndht-announce-v1" 0x00 || namespace || 0x00 || signer || key || u64(seq),
 * at time issuedAtUs.
 * @param {string} namespace
 * @param {Uint8Array} signer
 * @param {Uint8Array} key
 * @param {bigint | number | string} seq
 * @param {bigint | number | string} issuedAtUs
 * @returns {HashTimer}
 */
export function announcementTimer(namespace, signer, key, seq, issuedAtUs) {
  const payload = Buffer.concat([
    ANNOUNCE_DOMAIN,
    Buffer.from(namespace, 'utf8'),
    Buffer.from([0]),
    toBytes(signer, 'signer'),
    toBytes(key, 'key'),
    u64(toU64(seq, 'seq')),
  ]);
  return createHashTimer(issuedAtUs, payload);
}
