// Ed25519 keys with Node's own crypto, and the key-file format of
// services/core/keyfile.py: the 32-byte seed as 64 hex digits (a trailing
// newline allowed), created exclusively with mode 0600 and fsynced.

import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

import { toBytes } from './bytes.js';
import { IpndhtError, Status } from './errors.js';

/** Seed, public key and signature sizes of Ed25519 (RFC 8032). */
export const SEED_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER header of an SPKI Ed25519 public key; the 32-byte key follows. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An Ed25519 private key: its seed, public key and a sign method. */
export class SigningKey {
  /** @param {Uint8Array | string} seed 32 bytes, or 64 hex digits */
  constructor(seed) {
    const bytes = Buffer.from(toBytes(seed, 'Ed25519 seed', SEED_BYTES));
    /** @type {Buffer} */
    this.seed = bytes;
    this._private = createPrivateKey({
      key: Buffer.concat([PKCS8_PREFIX, bytes]),
      format: 'der',
      type: 'pkcs8',
    });
    const spki = createPublicKey(this._private).export({ format: 'der', type: 'spki' });
    /** @type {Buffer} 32 bytes */
    this.publicKey = Buffer.from(spki.subarray(spki.length - PUBLIC_KEY_BYTES));
  }

  /** @returns {string} the public key in lower-case hex */
  get publicKeyHex() {
    return this.publicKey.toString('hex');
  }

  /**
   * Pure Ed25519 signature of `message` (deterministic).
   * @param {Uint8Array} message
   * @returns {Buffer} 64 bytes
   */
  sign(message) {
    return sign(null, message, this._private);
  }
}

/**
 * A new random key.
 * @returns {SigningKey}
 */
export function generateKey() {
  return new SigningKey(randomBytes(SEED_BYTES));
}

/**
 * True when `signature` is a valid Ed25519 signature of `message` by
 * `publicKey` (OpenSSL's RFC 8032 verification; never throws for bad input).
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} message
 * @param {Uint8Array} signature
 * @returns {boolean}
 */
export function verifySignature(publicKey, message, signature) {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Write `key`'s seed to `path` (mode 0600, parents made; fails if the file
 * exists, so a key is never overwritten).
 * @param {string} path
 * @param {SigningKey} key
 */
export function writeKeyFile(path, key) {
  mkdirSync(dirname(path), { recursive: true });
  let fd;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    throw keyFileError(`cannot create the key file ${path}`, error);
  }
  try {
    writeSync(fd, `${key.seed.toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The key stored in `path`. FAILED_PRECONDITION (naming the file) when it
 * cannot be read or is not a seed.
 * @param {string} path
 * @returns {SigningKey}
 */
export function loadKeyFile(path) {
  let text;
  try {
    text = readFileSync(path, 'latin1').trim();
  } catch (error) {
    throw keyFileError(`cannot read the key file ${path}`, error);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new IpndhtError(
      Status.FAILED_PRECONDITION,
      `the key file ${path} must hold ${SEED_BYTES * 2} hex digits (an Ed25519 seed)`,
    );
  }
  return new SigningKey(text);
}

/**
 * The key in `path`, or a new one written there when the file does not exist.
 * @param {string} path
 * @returns {SigningKey}
 */
export function loadOrCreateKeyFile(path) {
  try {
    return loadKeyFile(path);
  } catch (error) {
    if (!(error instanceof IpndhtError) || /** @type {any} */ (error.cause)?.code !== 'ENOENT') {
      throw error;
    }
  }
  const key = generateKey();
  writeKeyFile(path, key);
  return key;
}

/**
 * @param {string} what
 * @param {any} error
 * @returns {IpndhtError}
 */
function keyFileError(what, error) {
  const reason = error?.code ? `${error.code}: ${error.message}` : String(error);
  return new IpndhtError(Status.FAILED_PRECONDITION, `${what}: ${reason}`, { cause: error });
}
