// The gRPC client of the three ipndht services: endpoints from options or
// the environment, a deadline on every call, retries on UNAVAILABLE through
// the channel's service config, request ids, and errors as IpndhtError.

import { randomBytes } from 'node:crypto';

import * as grpc from '@grpc/grpc-js';

import { fromServiceError, REQUEST_ID_METADATA } from './errors.js';
import { packageDefinition, protoDir } from './proto.js';

/** DESIGN.md "Fixed names and defaults": the services' default gRPC ports. */
export const DEFAULT_ENDPOINTS = Object.freeze({
  discovery: '127.0.0.1:50051',
  handles: '127.0.0.1:50052',
  content: '127.0.0.1:50053',
});
/** Environment variables naming the endpoints (as the Python CLI reads them). */
export const ENDPOINT_ENV = Object.freeze({
  discovery: 'IPNDHT_DISCOVERY_ENDPOINT',
  handles: 'IPNDHT_HANDLES_ENDPOINT',
  content: 'IPNDHT_CONTENT_ENDPOINT',
});
/** Unary deadline: a DHT write waits for several holders; 10 s covers a
 * loaded node without leaving a caller hanging on a dead one. */
export const DEFAULT_DEADLINE_MS = 10_000;
/** Stream deadline: a listing may walk many buckets before its page ends. */
export const DEFAULT_STREAM_DEADLINE_MS = 30_000;
/** Retry of UNAVAILABLE (service restarting, too few DHT peers yet): four
 * attempts over about 1.4 s of back-off, then the error reaches the caller.
 * Every write is a signed record with its own seq, so resending one is safe. */
export const RETRY_POLICY = Object.freeze({
  maxAttempts: 4,
  initialBackoff: '0.2s',
  maxBackoff: '1s',
  backoffMultiplier: 2,
  retryableStatusCodes: ['UNAVAILABLE'],
});
/** Pause before reconnecting after a service went away, first and longest.
 * grpc-js's defaults (1 s, growing to 120 s) can leave a channel failing
 * calls at once for seconds after a restarted service is back, longer than
 * the retries above wait; a restart usually takes well under a second. The
 * Python SDK uses the same values. */
export const RECONNECT_BACKOFF_MS = Object.freeze({ initial: 200, max: 5_000 });
/** Bytes of a generated request id (16 hex digits, as the services make). */
const REQUEST_ID_BYTES = 8;

const SERVICES = Object.freeze({
  discovery: 'DiscoveryService',
  handles: 'HandleRegistryService',
  content: 'ContentRoutingService',
});

/**
 * @typedef {object} ClientOptions
 * @property {{discovery?: string, handles?: string, content?: string}} [endpoints]
 * @property {number} [deadlineMs] deadline of unary calls
 * @property {number} [streamDeadlineMs] deadline of streaming calls
 * @property {boolean} [retry] retry UNAVAILABLE (default true)
 * @property {grpc.ChannelCredentials} [credentials] default insecure (plain TCP)
 * @property {string} [protoDir] root holding ipndht/v1/*.proto
 * @property {Record<string, string | number>} [channelOptions] extra grpc-js channel options
 */

/**
 * @typedef {object} CallOptions
 * @property {number} [deadlineMs] this call's deadline
 * @property {string} [requestId] sent as x-request-id (default: a new one)
 */

export class Client {
  /** @param {ClientOptions} [options] */
  constructor(options = {}) {
    const dir = protoDir(options.protoDir);
    const loaded = /** @type {any} */ (grpc.loadPackageDefinition(packageDefinition(dir))).ipndht.v1;
    /** @type {{discovery: string, handles: string, content: string}} */
    this.endpoints = {
      discovery: options.endpoints?.discovery || process.env[ENDPOINT_ENV.discovery] || DEFAULT_ENDPOINTS.discovery,
      handles: options.endpoints?.handles || process.env[ENDPOINT_ENV.handles] || DEFAULT_ENDPOINTS.handles,
      content: options.endpoints?.content || process.env[ENDPOINT_ENV.content] || DEFAULT_ENDPOINTS.content,
    };
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.streamDeadlineMs = options.streamDeadlineMs ?? DEFAULT_STREAM_DEADLINE_MS;
    const credentials = options.credentials ?? grpc.credentials.createInsecure();
    /** @type {Record<string, any>} raw grpc-js stubs, by service */
    this.stubs = {};
    for (const [name, service] of Object.entries(SERVICES)) {
      const endpoint = this.endpoints[/** @type {keyof typeof SERVICES} */ (name)];
      this.stubs[name] = new loaded[service](endpoint, credentials, channelOptions(service, options));
    }
  }

  /** Close the three channels. */
  close() {
    for (const stub of Object.values(this.stubs)) stub.close();
  }

  /**
   * One unary call: `service` is "discovery", "handles" or "content",
   * `method` the rpc name as in the proto ("Resolve").
   * @param {string} service
   * @param {string} method
   * @param {object} request
   * @param {CallOptions} [options]
   * @returns {Promise<any>}
   */
  call(service, method, request, options = {}) {
    const { stub, metadata, requestId, deadline } = this._prepare(service, method, options, this.deadlineMs);
    return new Promise((resolve, reject) => {
      stub[method](request, metadata, { deadline }, (/** @type {any} */ error, /** @type {any} */ response) => {
        if (error) reject(fromServiceError(error, requestId));
        else resolve(response);
      });
    });
  }

  /**
   * One server-streaming call, as an async iterable of its messages.
   * @param {string} service
   * @param {string} method
   * @param {object} request
   * @param {CallOptions} [options]
   * @returns {AsyncGenerator<any>}
   */
  async *stream(service, method, request, options = {}) {
    const { stub, metadata, requestId, deadline } = this._prepare(service, method, options, this.streamDeadlineMs);
    const call = stub[method](request, metadata, { deadline });
    try {
      for await (const message of call) yield message;
    } catch (error) {
      throw fromServiceError(error, requestId);
    } finally {
      call.cancel();
    }
  }

  /**
   * @param {string} service
   * @param {string} method
   * @param {CallOptions} options
   * @param {number} defaultDeadlineMs
   */
  _prepare(service, method, options, defaultDeadlineMs) {
    const stub = this.stubs[service];
    if (!stub || typeof stub[method] !== 'function') {
      throw new TypeError(`no rpc ${method} on service ${service} (services: ${Object.keys(SERVICES).join(', ')})`);
    }
    const requestId = options.requestId ?? randomBytes(REQUEST_ID_BYTES).toString('hex');
    const metadata = new grpc.Metadata();
    metadata.set(REQUEST_ID_METADATA, requestId);
    const deadline = new Date(Date.now() + (options.deadlineMs ?? defaultDeadlineMs));
    return { stub, metadata, requestId, deadline };
  }

  /**
   * @param {string} service
   * @param {string} method
   * @param {object} request
   * @param {CallOptions} [options]
   */
  async _collect(service, method, request, options) {
    const out = [];
    for await (const message of this.stream(service, method, request, options)) out.push(message);
    return out;
  }

  // --- handle registry --------------------------------------------------------

  /** @param {object} record owner-signed REGISTER record @param {CallOptions} [o] */
  register(record, o) { return this.call('handles', 'Register', { record }, o); }
  /** @param {object} record @param {CallOptions} [o] */
  update(record, o) { return this.call('handles', 'Update', { record }, o); }
  /** @param {object} record @param {CallOptions} [o] */
  transfer(record, o) { return this.call('handles', 'Transfer', { record }, o); }
  /** @param {object} record @param {CallOptions} [o] */
  renew(record, o) { return this.call('handles', 'Renew', { record }, o); }
  /** @param {object} record @param {CallOptions} [o] */
  release(record, o) { return this.call('handles', 'Release', { record }, o); }
  /** @param {string} query a handle, 64 hex digits of key, or an alias @param {CallOptions} [o] */
  resolve(query, o) { return this.call('handles', 'Resolve', { query }, o); }
  /** @param {string[]} queries @param {CallOptions} [o] */
  batchResolve(queries, o) { return this.call('handles', 'BatchResolve', { queries }, o); }
  /**
   * @param {string} handle
   * @param {{pageSize?: number, pageToken?: string} & CallOptions} [o]
   */
  getHistory(handle, o = {}) {
    return this.call('handles', 'GetHistory', { handle, pageSize: o.pageSize ?? 0, pageToken: o.pageToken ?? '' }, o);
  }
  /** @param {CallOptions} [o] */
  getRegistrarInfo(o) { return this.call('handles', 'GetRegistrarInfo', {}, o); }

  // --- content routing --------------------------------------------------------

  /** @param {object} record signed provider record @param {CallOptions} [o] */
  provide(record, o) { return this.call('content', 'Provide', { record }, o); }
  /** @param {object} record signed withdrawal @param {CallOptions} [o] */
  stopProviding(record, o) { return this.call('content', 'StopProviding', { record }, o); }
  /**
   * The providers of `content`, newest first.
   * @param {{algorithm: number | string, digest: Uint8Array}} content
   * @param {{limit?: number} & CallOptions} [o]
   * @returns {Promise<any[]>}
   */
  findProviders(content, o = {}) {
    return this._collect('content', 'FindProviders', { content, limit: o.limit ?? 0 }, o);
  }
  /**
   * One page of announcements whose HashTimer lies in [sinceUs, untilUs).
   * @param {{sinceUs?: bigint|number|string, untilUs?: bigint|number|string, limit?: number, pageToken?: string, order?: string} & CallOptions} [o]
   * @returns {Promise<{entries: any[], nextPageToken: string}>}
   */
  async listContent(o = {}) {
    const request = {
      sinceUs: String(o.sinceUs ?? 0),
      untilUs: String(o.untilUs ?? 0),
      limit: o.limit ?? 0,
      pageToken: o.pageToken ?? '',
      order: o.order ?? 'LIST_ORDER_UNSPECIFIED',
    };
    const entries = [];
    let nextPageToken = '';
    for await (const item of this.stream('content', 'ListContent', request, o)) {
      if (item.entry) entries.push(item.entry);
      if (item.page) nextPageToken = item.page.nextPageToken;
    }
    return { entries, nextPageToken };
  }
  /** @param {object} record signed resource record @param {CallOptions} [o] */
  announceResource(record, o) { return this.call('content', 'AnnounceResource', { record }, o); }
  /**
   * @param {string} type
   * @param {{filters?: Record<string, string>, limit?: number} & CallOptions} [o]
   * @returns {Promise<any[]>}
   */
  discoverResources(type, o = {}) {
    return this._collect('content', 'DiscoverResources', { type, filters: o.filters ?? {}, limit: o.limit ?? 0 }, o);
  }

  // --- discovery --------------------------------------------------------------

  /** @param {object} [request] ListPeersRequest fields @param {CallOptions} [o] */
  listPeers(request = {}, o) { return this.call('discovery', 'ListPeers', request, o); }
  /** @param {CallOptions} [o] */
  getStatus(o) { return this.call('discovery', 'GetStatus', {}, o); }
  /** @param {{host: string, port: number}[]} peers @param {CallOptions} [o] */
  addPeers(peers, o) { return this.call('discovery', 'AddPeers', { peers }, o); }
  /** @param {CallOptions} [o] */
  getBootstrapPeers(o) { return this.call('discovery', 'GetBootstrapPeers', {}, o); }
  /**
   * Peer events as they happen (the stream has no deadline unless given).
   * @param {object} [request] WatchPeersRequest fields
   * @param {CallOptions} [o]
   */
  watchPeers(request = {}, o = {}) {
    return this.stream('discovery', 'WatchPeers', request, { deadlineMs: 2 ** 31 - 1, ...o });
  }
}

/**
 * The grpc-js options of one service's channel: retries through the service
 * config (unless `options.retry` is false), the reconnect backoff above, then
 * the caller's `options.channelOptions`, which win.
 * @param {string} service the proto service name ("HandleRegistryService")
 * @param {ClientOptions} [options]
 * @returns {Record<string, string | number>}
 */
export function channelOptions(service, options = {}) {
  return {
    'grpc.enable_retries': options.retry === false ? 0 : 1,
    'grpc.service_config': JSON.stringify(serviceConfig(`ipndht.v1.${service}`, options.retry !== false)),
    'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.initial,
    'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.max,
    ...options.channelOptions,
  };
}

/**
 * The channel's service config: UNAVAILABLE retried for every method.
 * @param {string} service full service name
 * @param {boolean} retry
 */
function serviceConfig(service, retry) {
  return { methodConfig: [{ name: [{ service }], ...(retry ? { retryPolicy: RETRY_POLICY } : {}) }] };
}
