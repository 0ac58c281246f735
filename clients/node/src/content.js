// Content routing helpers, as the Python SDK's
// (clients/python/ipndht_client/content.py): streaming content hashing and
// the signed records that provide, stopProviding and announceResource take,
// with the announcement's HashTimer filled in exactly as the content service
// recomputes and checks it (docs/content.md).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import { blake3 } from '@noble/hashes/blake3';

import { nowUs, toBytes, toU64 } from './bytes.js';
import { invalidArgument } from './errors.js';
import { announcementTimer } from './hashtimer.js';
import { encodeMessage } from './messages.js';
import { signRecord } from './records.js';

/** HashAlgorithm numbers of common.proto. */
export const HashAlgorithm = Object.freeze({ SHA2_256: 1, BLAKE3: 2 });
const ALGORITHM_NAMES = ['HASH_ALGORITHM_UNSPECIFIED', 'HASH_ALGORITHM_SHA2_256', 'HASH_ALGORITHM_BLAKE3'];
/** Default provider record lifetime, as the service's default (48 h). */
export const DEFAULT_TTL_S = 48 * 3600;
/** Default resource lifetime, as the Python SDK's (one hour). */
export const DEFAULT_RESOURCE_TTL_S = 3600;

/**
 * @typedef {object} ContentHash
 * @property {string} algorithm "HASH_ALGORITHM_SHA2_256" or "HASH_ALGORITHM_BLAKE3"
 * @property {Buffer} digest 32 bytes
 */

/**
 * The algorithm number of a HashAlgorithm given as number or name.
 * @param {number | string} algorithm
 * @returns {number}
 */
export function algorithmNumber(algorithm) {
  const number = typeof algorithm === 'string' ? ALGORITHM_NAMES.indexOf(algorithm) : algorithm;
  if (number !== HashAlgorithm.SHA2_256 && number !== HashAlgorithm.BLAKE3) {
    throw invalidArgument(`unsupported hash algorithm ${String(algorithm)}: use SHA2_256 or BLAKE3`);
  }
  return number;
}

/** @param {number} algorithm */
function newHasher(algorithm) {
  if (algorithm === HashAlgorithm.SHA2_256) {
    const hash = createHash('sha256');
    return { update: (/** @type {Uint8Array} */ chunk) => hash.update(chunk), digest: () => hash.digest() };
  }
  const hash = blake3.create({});
  return { update: (/** @type {Uint8Array} */ chunk) => hash.update(chunk), digest: () => Buffer.from(hash.digest()) };
}

/**
 * The content hash of `data`.
 * @param {Uint8Array | string} data bytes, or a string taken as UTF-8
 * @param {number | string} [algorithm] default BLAKE3
 * @returns {ContentHash}
 */
export function hashBytes(data, algorithm = HashAlgorithm.BLAKE3) {
  const number = algorithmNumber(algorithm);
  const hasher = newHasher(number);
  hasher.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  return { algorithm: ALGORITHM_NAMES[number], digest: hasher.digest() };
}

/**
 * The content hash of everything a stream yields, read chunk by chunk.
 * @param {AsyncIterable<Uint8Array>} stream
 * @param {number | string} [algorithm] default BLAKE3
 * @returns {Promise<{content: ContentHash, size: number}>}
 */
export async function hashStream(stream, algorithm = HashAlgorithm.BLAKE3) {
  const number = algorithmNumber(algorithm);
  const hasher = newHasher(number);
  let size = 0;
  for await (const chunk of stream) {
    hasher.update(chunk);
    size += chunk.length;
  }
  return { content: { algorithm: ALGORITHM_NAMES[number], digest: hasher.digest() }, size };
}

/**
 * The content hash and size of the file at `path`, in 1 MiB reads.
 * @param {string} path
 * @param {number | string} [algorithm] default BLAKE3
 */
export function hashFile(path, algorithm = HashAlgorithm.BLAKE3) {
  return hashStream(createReadStream(path, { highWaterMark: 1 << 20 }), algorithm);
}

/**
 * The provider record key: the algorithm byte then the digest.
 * @param {{algorithm: number | string, digest: Uint8Array | string}} content
 * @returns {Buffer}
 */
export function contentKey(content) {
  const digest = toBytes(content.digest, 'digest', 32);
  return Buffer.concat([Buffer.from([algorithmNumber(content.algorithm)]), digest]);
}

/**
 * @typedef {object} ProviderOptions
 * @property {bigint | number | string} [seq] default 1
 * @property {string} [handle] the provider's handle ("\@name.ipn"), which must resolve to its key
 * @property {bigint | number | string} [sizeBytes]
 * @property {boolean} [withdrawn]
 * @property {number} [ttlS] default 48 h
 * @property {bigint | number | string} [issuedAtUs] default now
 */

/**
 * The signed provider record announcing (or withdrawing) `content`.
 * @param {import('./keys.js').SigningKey} key the provider
 * @param {{algorithm: number | string, digest: Uint8Array | string}} content
 * @param {string[]} [addresses]
 * @param {ProviderOptions} [options]
 */
export function providerRecord(key, content, addresses = [], options = {}) {
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  const seq = toU64(options.seq ?? 1, 'seq');
  const recordKey = contentKey(content);
  const timer = announcementTimer('provider', key.publicKey, recordKey, seq, issued);
  const value = encodeMessage('ipndht.v1.ProviderRecord', {
    content: { algorithm: algorithmNumber(content.algorithm), digest: recordKey.subarray(1) },
    addresses,
    handle: options.handle ?? '',
    hashTimer: timer,
    sizeBytes: toU64(options.sizeBytes ?? 0, 'sizeBytes'),
    withdrawn: options.withdrawn ?? false,
  });
  const ttl = BigInt(options.ttlS ?? DEFAULT_TTL_S) * 1_000_000n;
  return signRecord(key, { namespace: 'provider', key: recordKey, value, seq, issuedAtUs: issued, expiresAtUs: issued + ttl });
}

/**
 * The signed withdrawal of `content` (stopProviding); `seq` above the
 * announcement's.
 * @param {import('./keys.js').SigningKey} key
 * @param {{algorithm: number | string, digest: Uint8Array | string}} content
 * @param {{seq: bigint | number | string, ttlS?: number, issuedAtUs?: bigint | number | string}} options
 */
export function withdrawal(key, content, options) {
  return providerRecord(key, content, [], { ...options, withdrawn: true });
}

/**
 * Hash the file at `path` and return the ProvideRequest announcing it.
 * @param {import('./keys.js').SigningKey} key
 * @param {string} path
 * @param {string[]} addresses
 * @param {ProviderOptions & {algorithm?: number | string}} [options]
 */
export async function provideFile(key, path, addresses, options = {}) {
  const { content, size } = await hashFile(path, options.algorithm);
  return { record: providerRecord(key, content, addresses, { ...options, sizeBytes: size }) };
}

/**
 * The signed resource record for announceResource.
 * @param {import('./keys.js').SigningKey} key the announcer
 * @param {string} type
 * @param {string} id
 * @param {Uint8Array} [data]
 * @param {Record<string, string>} [attributes]
 * @param {{seq?: bigint|number|string, ttlS?: number, issuedAtUs?: bigint|number|string}} [options]
 */
export function resourceRecord(key, type, id, data = Buffer.alloc(0), attributes = {}, options = {}) {
  const issued = options.issuedAtUs === undefined ? nowUs() : toU64(options.issuedAtUs, 'issuedAtUs');
  const value = encodeMessage('ipndht.v1.ResourceRecord', { type, id, data: toBytes(data, 'data'), attributes });
  const ttl = BigInt(options.ttlS ?? DEFAULT_RESOURCE_TTL_S) * 1_000_000n;
  return signRecord(key, {
    namespace: 'resource',
    key: Buffer.from(`${type}/${id}`, 'utf8'),
    value,
    seq: toU64(options.seq ?? 1, 'seq'),
    issuedAtUs: issued,
    expiresAtUs: issued + ttl,
  });
}
