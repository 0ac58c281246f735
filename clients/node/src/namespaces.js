// The namespace rules of docs/records.md §7 that a client can judge without
// the registry's name list: key shapes, payloads, key/payload agreement, the
// handle signer and registrar countersignatures. (The full handle naming
// rules stay with the registry; `handle_name` is never raised here.)

import { decodeMessage } from './messages.js';

const DAY_US = 86_400n * 1_000_000n;
/** Limits of services/core/records/limits.py, one per rule. */
export const LIMITS = Object.freeze({
  maxAddresses: 8,
  maxAddressBytes: 256,
  handleKeyBytes: 64,
  digestBytes: 32,
  nodeIdBytes: 20,
  publicKeyBytes: 32,
  resourceIdBytes: 128,
  resourceDataBytes: 4096,
});

/** Rule failure: `rule` is the name of docs/records.md §6/§7. */
export class InvalidRecord extends Error {
  /**
   * @param {string} rule
   * @param {string} detail
   */
  constructor(rule, detail) {
    super(`${rule}: ${detail}`);
    this.name = 'InvalidRecord';
    this.rule = rule;
  }
}

/** The encoded record is over the size limit (rule `too_large`). */
export class RecordTooLarge extends InvalidRecord {
  /** @param {string} detail */
  constructor(detail) {
    super('too_large', detail);
    this.name = 'RecordTooLarge';
  }
}

/**
 * @param {string} rule
 * @param {string} detail
 * @returns {never}
 */
export function fail(rule, detail) {
  throw new InvalidRecord(rule, detail);
}

/**
 * @param {string} typeName
 * @param {Uint8Array} value
 * @returns {Record<string, any>}
 */
function parse(typeName, value) {
  try {
    return decodeMessage(`ipndht.v1.${typeName}`, value);
  } catch {
    return fail('payload', `the record value is not a valid ${typeName} message`);
  }
}

/** @param {string[]} addresses */
function checkAddresses(addresses) {
  if (addresses.length > LIMITS.maxAddresses) {
    fail('payload', `${addresses.length} addresses, over the limit of ${LIMITS.maxAddresses}`);
  }
  for (const address of addresses) {
    if (Buffer.byteLength(address, 'utf8') > LIMITS.maxAddressBytes) {
      fail('payload', `an address is over the limit of ${LIMITS.maxAddressBytes} bytes`);
    }
  }
}

/**
 * @param {string} text
 * @param {string} rule
 */
function checkHandleShape(text, rule) {
  const ok =
    text.length <= LIMITS.handleKeyBytes &&
    /^@[\x21-\x7e]+\.ipn$/.test(text);
  if (!ok) fail(rule, `${JSON.stringify(text)} is not a handle (@label.ipn, printable ASCII, at most 64 bytes)`);
}

/**
 * @typedef {object} NamespaceContext
 * @property {Set<string>} trustedRegistrars hex public keys
 */

/**
 * @param {import('./records.js').SignedRecord} record
 * @param {NamespaceContext} ctx
 */
function validateHandle(record, ctx) {
  if (ctx.trustedRegistrars.size === 0) {
    fail('no_registrar_trusted', 'handle records are refused: no registrar key is trusted');
  }
  const handle = record.key.toString('latin1');
  if (!/^[\x00-\x7f]*$/.test(handle)) fail('key_format', 'a handle record key must be the handle as ASCII text');
  checkHandleShape(handle, 'key_format');
  const signers = record.countersignatures.map((cs) => cs.signer.toString('hex'));
  if (signers.length === 0) {
    fail('registrar_countersignature_missing', 'a handle record needs a trusted registrar countersignature; it has none');
  }
  if (!signers.some((s) => ctx.trustedRegistrars.has(s))) {
    fail('untrusted_registrar', 'no countersignature of this handle record is by a trusted registrar key');
  }
  const payload = parse('HandleRecord', record.value);
  if (payload.handle !== handle) {
    fail('key_payload_mismatch', `the HandleRecord names ${payload.handle} but the record key is ${handle}`);
  }
  if (payload.ownerKey.length !== LIMITS.publicKeyBytes) fail('payload', 'owner_key must be 32 bytes');
  if (payload.targetKey.length !== LIMITS.publicKeyBytes) fail('payload', 'target_key must be 32 bytes');
  if (typeof payload.operation !== 'string' || payload.operation === 'HANDLE_OPERATION_UNSPECIFIED') {
    fail('payload', 'the HandleRecord operation is not set or unknown');
  }
  checkAddresses(payload.addresses);
  if (payload.operation !== 'HANDLE_OPERATION_TRANSFER' && !record.signer.equals(payload.ownerKey)) {
    fail('wrong_signer', 'a handle record must be signed by its owner key (only a transfer is signed by the previous owner)');
  }
}

/** @param {import('./records.js').SignedRecord} record */
function validateProvider(record) {
  const algorithm = record.key.length > 0 ? record.key[0] : 0;
  if (![1, 2].includes(algorithm) || record.key.length !== 1 + LIMITS.digestBytes) {
    fail('key_format', 'a provider key is one algorithm byte (1 sha2-256, 2 blake3) then a 32-byte digest');
  }
  const payload = parse('ProviderRecord', record.value);
  const content = payload.content ?? { algorithm: 'HASH_ALGORITHM_UNSPECIFIED', digest: Buffer.alloc(0) };
  const names = ['HASH_ALGORITHM_UNSPECIFIED', 'HASH_ALGORITHM_SHA2_256', 'HASH_ALGORITHM_BLAKE3'];
  if (content.algorithm !== names[algorithm] || !content.digest.equals(record.key.subarray(1))) {
    fail('key_payload_mismatch', 'the ProviderRecord content is not the record key');
  }
  checkAddresses(payload.addresses);
  if (payload.handle) checkHandleShape(payload.handle, 'payload');
  if (payload.hashTimer) {
    const { hex, timeUs } = payload.hashTimer;
    if (!/^[0-9a-f]{64}$/.test(hex)) fail('payload', 'a HashTimer is 64 lower-case hex digits');
    if (BigInt(`0x${hex.slice(0, 14)}`).toString() !== timeUs) {
      fail('payload', 'the HashTimer time prefix does not match its time_us');
    }
  }
}

/** @param {import('./records.js').SignedRecord} record */
function validateResource(record) {
  const text = record.key.toString('latin1');
  const slash = text.indexOf('/');
  const type = slash < 0 ? '' : text.slice(0, slash);
  const id = slash < 0 ? '' : text.slice(slash + 1);
  if (slash < 0 || !/^[a-z0-9._-]{1,64}$/.test(type)) {
    fail('key_format', "a resource key is '<type>/<id>' with a type of 1 to 64 characters of [a-z0-9._-]");
  }
  if (!/^[\x20-\x7e]{1,128}$/.test(id)) {
    fail('key_format', `a resource id is 1 to ${LIMITS.resourceIdBytes} printable ASCII characters`);
  }
  const payload = parse('ResourceRecord', record.value);
  if (payload.type !== type || payload.id !== id) {
    fail('key_payload_mismatch', `the ResourceRecord is ${payload.type}/${payload.id} but the record key is ${text}`);
  }
  if (payload.data.length > LIMITS.resourceDataBytes) {
    fail('payload', `resource data is ${payload.data.length} bytes, over ${LIMITS.resourceDataBytes}`);
  }
}

/** @param {import('./records.js').SignedRecord} record */
function validatePeer(record) {
  if (record.key.length !== LIMITS.nodeIdBytes) fail('key_format', 'a peer key is a 20-byte node id');
  const payload = parse('Peer', record.value);
  if (!payload.nodeId.equals(record.key)) fail('key_payload_mismatch', 'the Peer node_id is not the record key');
  if (!payload.host || Buffer.byteLength(payload.host, 'utf8') > 253) fail('payload', 'a peer host is 1 to 253 bytes');
  if (!(payload.port >= 1 && payload.port <= 65535)) fail('payload', 'a peer port is 1..65535');
}

/**
 * The built-in namespaces: maximum lifetime and rules (docs/records.md §7).
 * @type {ReadonlyMap<string, {maxTtlUs: bigint, validate: (r: import('./records.js').SignedRecord, c: NamespaceContext) => void}>}
 */
export const NAMESPACES = new Map([
  ['handle', { maxTtlUs: 730n * DAY_US, validate: validateHandle }],
  ['provider', { maxTtlUs: 7n * DAY_US, validate: validateProvider }],
  ['resource', { maxTtlUs: 7n * DAY_US, validate: validateResource }],
  ['peer', { maxTtlUs: 1n * DAY_US, validate: validatePeer }],
]);
