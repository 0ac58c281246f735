// The canonical signing bytes of docs/records.md §3-§5: what a record's
// signer and its countersigners sign, and the DHT key it is stored under.

import { createHash } from 'node:crypto';

import { toBytes, toU64, u32, u64 } from './bytes.js';

/** "ipndht-record-v1" 0x00: the domain-separation prefix of a signature. */
export const RECORD_PREFIX = Buffer.from('ipndht-record-v1\0', 'ascii');
/** "ipndht-countersign-v1" 0x00: a different prefix, so the two never mix. */
export const COUNTERSIGN_PREFIX = Buffer.from('ipndht-countersign-v1\0', 'ascii');

/**
 * @typedef {object} RecordFields
 * @property {string} namespace
 * @property {Uint8Array | string} key
 * @property {Uint8Array | string} value
 * @property {Uint8Array | string} signer
 * @property {bigint | number | string} seq
 * @property {bigint | number | string} issuedAtUs
 * @property {bigint | number | string} expiresAtUs
 */

/**
 * @param {Buffer} bytes
 * @returns {Buffer[]} u32 length then the bytes
 */
function lengthPrefixed(bytes) {
  return [u32(bytes.length), bytes];
}

/**
 * signing_bytes (docs/records.md §3).
 * @param {RecordFields} record
 * @returns {Buffer}
 */
export function signingBytes(record) {
  return Buffer.concat([
    RECORD_PREFIX,
    ...lengthPrefixed(Buffer.from(record.namespace, 'utf8')),
    ...lengthPrefixed(toBytes(record.key, 'key')),
    ...lengthPrefixed(toBytes(record.value, 'value')),
    ...lengthPrefixed(toBytes(record.signer, 'signer')),
    u64(toU64(record.seq, 'seq')),
    u64(toU64(record.issuedAtUs, 'issuedAtUs')),
    u64(toU64(record.expiresAtUs, 'expiresAtUs')),
  ]);
}

/**
 * countersigning_bytes (docs/records.md §4): endorses the record's fields and
 * its own signature.
 * @param {RecordFields & {signature: Uint8Array | string}} record
 * @returns {Buffer}
 */
export function countersigningBytes(record) {
  const signature = toBytes(record.signature, 'signature');
  return Buffer.concat([COUNTERSIGN_PREFIX, signingBytes(record), ...lengthPrefixed(signature)]);
}

/**
 * namespace_utf8 || "/" || key (docs/records.md §5).
 * @param {string} namespace
 * @param {Uint8Array | string} key
 * @returns {Buffer}
 */
export function dhtKeyMaterial(namespace, key) {
  return Buffer.concat([Buffer.from(`${namespace}/`, 'utf8'), toBytes(key, 'key')]);
}

/**
 * The 20-byte Kademlia key a record is stored under: SHA-1 of the material.
 * @param {string} namespace
 * @param {Uint8Array | string} key
 * @returns {Buffer}
 */
export function dhtKey(namespace, key) {
  return createHash('sha1').update(dhtKeyMaterial(namespace, key)).digest();
}
