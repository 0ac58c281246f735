// Types of the ipndht Node.js client (src/index.js). uint64 fields travel as
// decimal strings; inputs take bigint, safe-integer number or decimal string.

import type { ChannelCredentials } from '@grpc/grpc-js';

export type U64 = bigint | number | string;
export type BytesLike = Uint8Array | string;

export declare const Status: Readonly<Record<
  | 'OK' | 'CANCELLED' | 'UNKNOWN' | 'INVALID_ARGUMENT' | 'DEADLINE_EXCEEDED' | 'NOT_FOUND'
  | 'ALREADY_EXISTS' | 'PERMISSION_DENIED' | 'RESOURCE_EXHAUSTED' | 'FAILED_PRECONDITION'
  | 'ABORTED' | 'OUT_OF_RANGE' | 'UNIMPLEMENTED' | 'INTERNAL' | 'UNAVAILABLE' | 'DATA_LOSS'
  | 'UNAUTHENTICATED', number>>;

export declare class IpndhtError extends Error {
  constructor(code: number, details: string, extra?: { requestId?: string; currentSeq?: string; cause?: unknown });
  readonly code: number;
  readonly codeName: string;
  readonly details: string;
  /** The server's request id for the call; '' for input refused locally. */
  readonly requestId: string;
  /** For ABORTED writes: the handle's current seq; '' otherwise. */
  readonly currentSeq: string;
}

export interface Countersignature { signer: Buffer; signature: Buffer }
export interface SignedRecord {
  namespace: string;
  key: Buffer;
  value: Buffer;
  signer: Buffer;
  seq: string;
  issuedAtUs: string;
  expiresAtUs: string;
  signature: Buffer;
  countersignatures: Countersignature[];
}
export interface HashTimer { hex: string; timeUs: string }
export interface ContentHash { algorithm: string | number; digest: Buffer }

export declare class SigningKey {
  constructor(seed: BytesLike);
  readonly seed: Buffer;
  readonly publicKey: Buffer;
  readonly publicKeyHex: string;
  sign(message: Uint8Array): Buffer;
}
export declare function generateKey(): SigningKey;
export declare function loadKeyFile(path: string): SigningKey;
export declare function writeKeyFile(path: string, key: SigningKey): void;
export declare function loadOrCreateKeyFile(path: string): SigningKey;
export declare function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

export interface RecordFields {
  namespace: string;
  key: BytesLike;
  value: BytesLike;
  signer: BytesLike;
  seq: U64;
  issuedAtUs: U64;
  expiresAtUs: U64;
}
export declare const RECORD_PREFIX: Buffer;
export declare const COUNTERSIGN_PREFIX: Buffer;
export declare function signingBytes(record: RecordFields): Buffer;
export declare function countersigningBytes(record: RecordFields & { signature: BytesLike }): Buffer;
export declare function dhtKeyMaterial(namespace: string, key: BytesLike): Buffer;
export declare function dhtKey(namespace: string, key: BytesLike): Buffer;

export declare function signRecord(
  key: SigningKey,
  fields: { namespace: string; key: BytesLike; value: Uint8Array; seq: U64; issuedAtUs: U64; expiresAtUs: U64 },
): SignedRecord;
export declare function countersign(record: SignedRecord, key: SigningKey): SignedRecord;
export declare function encodeRecord(record: SignedRecord, protoDir?: string): Buffer;
export declare function decodeRecord(bytes: Uint8Array, protoDir?: string): SignedRecord;
export declare function verifyRecordSignature(record: SignedRecord): boolean;
export declare function verifyCountersignature(record: SignedRecord, cs: Countersignature): boolean;
export declare function recordDhtKey(record: SignedRecord): Buffer;

export declare class InvalidRecord extends Error {
  constructor(rule: string, detail: string);
  readonly rule: string;
}
export declare class RecordTooLarge extends InvalidRecord {}
export declare const MAX_RECORD_BYTES: number;
export declare function validateRecord(
  bytes: Uint8Array,
  options?: { dhtKey?: BytesLike; nowUs?: U64; trustedRegistrars?: Iterable<BytesLike> },
): SignedRecord;

export declare function createHashTimer(timeUs: U64, payload: Uint8Array): HashTimer;
export declare function parseHashTimer(text: string): HashTimer;
export declare function announcementTimer(
  namespace: string, signer: Uint8Array, key: Uint8Array, seq: U64, issuedAtUs: U64,
): HashTimer;
export declare function encodeMessage(typeName: string, object: Record<string, any>, protoDir?: string): Buffer;
export declare function decodeMessage(typeName: string, bytes: Uint8Array, protoDir?: string): Record<string, any>;
export declare function fromHex(text: string, what?: string): Buffer;
export declare function nowUs(): bigint;

export interface HandleFields {
  targetKey?: BytesLike;
  addresses?: string[];
  metadata?: Record<string, string>;
  alias?: string;
}
export declare namespace handles {
  const NAMESPACE: 'handle';
  const DEFAULT_PERIOD_S: number;
  const Operation: Readonly<Record<'REGISTER' | 'UPDATE' | 'TRANSFER' | 'RENEW' | 'RELEASE', string>>;
  function normalizeHandle(text: string): string;
  function handleValue(handle: string, ownerKey: BytesLike, operation: string, fields?: HandleFields): Buffer;
  function register(
    key: SigningKey, handle: string,
    options?: HandleFields & { seq?: U64; issuedAtUs?: U64; expiresAtUs?: U64; periodS?: number },
  ): SignedRecord;
  function update(key: SigningKey, current: SignedRecord, options?: HandleFields & { issuedAtUs?: U64 }): SignedRecord;
  function transfer(
    key: SigningKey, current: SignedRecord, newOwnerKey: BytesLike, options?: { targetKey?: BytesLike; issuedAtUs?: U64 },
  ): SignedRecord;
  function renew(
    key: SigningKey, current: SignedRecord, options?: { periodS?: number; issuedAtUs?: U64; expiresAtUs?: U64 },
  ): SignedRecord;
  function release(key: SigningKey, current: SignedRecord, options?: { issuedAtUs?: U64 }): SignedRecord;
}

export interface ProviderOptions {
  seq?: U64;
  handle?: string;
  sizeBytes?: U64;
  withdrawn?: boolean;
  ttlS?: number;
  issuedAtUs?: U64;
}
export declare namespace content {
  const HashAlgorithm: Readonly<{ SHA2_256: 1; BLAKE3: 2 }>;
  const DEFAULT_TTL_S: number;
  const DEFAULT_RESOURCE_TTL_S: number;
  function algorithmNumber(algorithm: number | string): number;
  function hashBytes(data: Uint8Array | string, algorithm?: number | string): ContentHash;
  function hashStream(stream: AsyncIterable<Uint8Array>, algorithm?: number | string): Promise<{ content: ContentHash; size: number }>;
  function hashFile(path: string, algorithm?: number | string): Promise<{ content: ContentHash; size: number }>;
  function contentKey(content: { algorithm: number | string; digest: BytesLike }): Buffer;
  function providerRecord(
    key: SigningKey, content: { algorithm: number | string; digest: BytesLike }, addresses?: string[], options?: ProviderOptions,
  ): SignedRecord;
  function withdrawal(
    key: SigningKey, content: { algorithm: number | string; digest: BytesLike }, options: { seq: U64; ttlS?: number; issuedAtUs?: U64 },
  ): SignedRecord;
  function provideFile(
    key: SigningKey, path: string, addresses: string[], options?: ProviderOptions & { algorithm?: number | string },
  ): Promise<{ record: SignedRecord }>;
  function resourceRecord(
    key: SigningKey, type: string, id: string, data?: Uint8Array, attributes?: Record<string, string>,
    options?: { seq?: U64; ttlS?: number; issuedAtUs?: U64 },
  ): SignedRecord;
}

export interface Endpoints { discovery: string; handles: string; content: string }
export declare const DEFAULT_ENDPOINTS: Readonly<Endpoints>;
export declare const DEFAULT_DEADLINE_MS: number;
export declare const DEFAULT_STREAM_DEADLINE_MS: number;
export interface ClientOptions {
  endpoints?: Partial<Endpoints>;
  deadlineMs?: number;
  streamDeadlineMs?: number;
  retry?: boolean;
  credentials?: ChannelCredentials;
  protoDir?: string;
  channelOptions?: Record<string, string | number>;
}
/** Reconnect backoff of every channel, first and longest pause (ms). */
export declare const RECONNECT_BACKOFF_MS: Readonly<{ initial: number; max: number }>;
/** The grpc-js options of one service's channel ("HandleRegistryService"). */
export declare function channelOptions(
  service: string, options?: ClientOptions,
): Record<string, string | number>;
export interface CallOptions { deadlineMs?: number; requestId?: string }
/** Responses are the proto messages: camelCase fields, enums as names,
 * uint64 as decimal strings, bytes as Buffers. */
export type Message = Record<string, any>;

export declare class Client {
  constructor(options?: ClientOptions);
  readonly endpoints: Endpoints;
  readonly stubs: Record<'discovery' | 'handles' | 'content', any>;
  close(): void;
  call(service: 'discovery' | 'handles' | 'content', method: string, request: object, options?: CallOptions): Promise<Message>;
  stream(service: 'discovery' | 'handles' | 'content', method: string, request: object, options?: CallOptions): AsyncGenerator<Message>;

  register(record: SignedRecord, options?: CallOptions): Promise<Message>;
  update(record: SignedRecord, options?: CallOptions): Promise<Message>;
  transfer(record: SignedRecord, options?: CallOptions): Promise<Message>;
  renew(record: SignedRecord, options?: CallOptions): Promise<Message>;
  release(record: SignedRecord, options?: CallOptions): Promise<Message>;
  resolve(query: string, options?: CallOptions): Promise<Message>;
  batchResolve(queries: string[], options?: CallOptions): Promise<Message>;
  getHistory(handle: string, options?: { pageSize?: number; pageToken?: string } & CallOptions): Promise<Message>;
  getRegistrarInfo(options?: CallOptions): Promise<Message>;

  provide(record: SignedRecord, options?: CallOptions): Promise<Message>;
  stopProviding(record: SignedRecord, options?: CallOptions): Promise<Message>;
  findProviders(content: { algorithm: number | string; digest: Uint8Array }, options?: { limit?: number } & CallOptions): Promise<Message[]>;
  listContent(
    options?: { sinceUs?: U64; untilUs?: U64; limit?: number; pageToken?: string; order?: string } & CallOptions,
  ): Promise<{ entries: Message[]; nextPageToken: string }>;
  announceResource(record: SignedRecord, options?: CallOptions): Promise<Message>;
  discoverResources(type: string, options?: { filters?: Record<string, string>; limit?: number } & CallOptions): Promise<Message[]>;

  listPeers(request?: object, options?: CallOptions): Promise<Message>;
  getStatus(options?: CallOptions): Promise<Message>;
  addPeers(peers: { host: string; port: number }[], options?: CallOptions): Promise<Message>;
  getBootstrapPeers(options?: CallOptions): Promise<Message>;
  watchPeers(request?: object, options?: CallOptions): AsyncGenerator<Message>;
}
