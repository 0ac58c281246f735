// The .proto files of protos/ipndht/v1, loaded at run time: once through
// @grpc/proto-loader for the gRPC stubs, once through protobufjs for the
// messages the client encodes itself (record payloads, SignedRecord).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

import { IpndhtError, Status } from './errors.js';

/** The contract's files, relative to the proto root. */
export const PROTO_FILES = [
  'ipndht/v1/common.proto',
  'ipndht/v1/handles.proto',
  'ipndht/v1/content.proto',
  'ipndht/v1/discovery.proto',
];

/**
 * How messages look in JavaScript: camelCase fields, uint64 as decimal
 * strings (seq and times can exceed 2^53), enums as names, bytes as Buffers,
 * unset fields filled with their defaults.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

/**
 * The proto root: `explicit`, else IPNDHT_PROTO_DIR, else the repository's
 * protos/ (this package lives in clients/node).
 * @param {string} [explicit]
 * @returns {string}
 */
export function protoDir(explicit) {
  const dir =
    explicit || process.env.IPNDHT_PROTO_DIR || fileURLToPath(new URL('../../../protos/', import.meta.url));
  if (!existsSync(join(dir, PROTO_FILES[0]))) {
    throw new IpndhtError(
      Status.FAILED_PRECONDITION,
      `no ipndht protos in ${dir} (expected ${PROTO_FILES[0]}); pass protoDir or set IPNDHT_PROTO_DIR`,
    );
  }
  return dir;
}

/** @type {Map<string, protoLoader.PackageDefinition>} */
const definitions = new Map();
/** @type {Map<string, protobuf.Root>} */
const roots = new Map();

/**
 * The proto-loader package definition for the gRPC stubs (cached per root).
 * @param {string} dir
 * @returns {protoLoader.PackageDefinition}
 */
export function packageDefinition(dir) {
  let definition = definitions.get(dir);
  if (!definition) {
    definition = protoLoader.loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [dir] });
    definitions.set(dir, definition);
  }
  return definition;
}

/**
 * The protobufjs root of the contract (cached per proto root).
 * @param {string} dir
 * @returns {protobuf.Root}
 */
export function protoRoot(dir) {
  let root = roots.get(dir);
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(dir, target);
    root.loadSync(PROTO_FILES, { keepCase: false });
    root.resolveAll();
    roots.set(dir, root);
  }
  return root;
}
