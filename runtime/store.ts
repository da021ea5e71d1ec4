import { createClient } from "redis";
import { RuntimeError } from "./protocol.js";

/**
 * The head's external storage under GCS fault tolerance (format version 2's
 * `gcsStorage: "redis"`): a real redis-server, reached with node-redis (the
 * Redis project's own client), as Ray's GCS keeps its tables in Redis
 * (`RAY_REDIS_ADDRESS`, `RAY_external_storage_namespace`).
 *
 * Each table is one Redis hash under the cluster's own key prefix (its
 * storage namespace): `<prefix>:<table>`, one field per row, the row as JSON.
 * Writes are buffered (`put`, `remove`) and sent by `flush` as one MULTI, in
 * order; the head flushes before it answers any request, so what it told a
 * caller is in Redis before the caller hears it (as Ray's GCS replies once
 * its table write is done). A SIGKILLed head loses only what nobody heard.
 */

/** Where the cluster's redis-server is: a Unix socket (in the cluster's own 0700 directory), its password, the key prefix. */
export interface StorageAddress {
  readonly socket: string;
  readonly password: string;
  readonly prefix: string;
}

/** The environment variable through which the adapter tells the head where its storage is (JSON of StorageAddress). */
export const STORAGE_ENV = "ROLLCALL_GCS_STORAGE";

/** The tables the head keeps. */
export const TABLES = ["jobs", "actors", "handles", "meta"] as const;
export type Table = (typeof TABLES)[number];

/** Every table, as read back: row key → row. */
export type Tables = Record<Table, Map<string, unknown>>;

/** What the store uses of node-redis's client. */
interface RedisClient {
  multi(): { hSet(key: string, field: string, value: string): unknown; hDel(key: string, field: string): unknown; exec(): Promise<unknown> };
  hGetAll(key: string): Promise<Record<string, string>>;
  close(): Promise<unknown>;
}

export class TableStore {
  /** Buffered writes, per table and row: the row, or null to delete it. Later writes of a row replace earlier ones. */
  private buffer = new Map<string, unknown>();
  /** The flushes in flight, chained so they reach Redis in order. */
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(private readonly client: RedisClient, private readonly prefix: string) {}

  /** Connects to the cluster's redis-server (retrying while it starts, for at most `timeoutMs`). */
  static async open(address: StorageAddress, timeoutMs = 10_000): Promise<TableStore> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = createClient({ socket: { path: address.socket, reconnectStrategy: false }, password: address.password });
      let lastError: Error | null = null;
      client.on("error", (e: Error) => (lastError = e));
      try {
        await client.connect();
        return new TableStore(client as unknown as RedisClient, address.prefix);
      } catch (e) {
        client.destroy();
        if (Date.now() > deadline) throw new RuntimeError("Internal", `cannot reach the GCS storage at ${address.socket}: ${(lastError ?? (e as Error)).message}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Buffers a row write. */
  put(table: Table, key: string, row: unknown): void {
    this.buffer.set(`${table}\u0000${key}`, row);
  }

  /** Buffers a row deletion. */
  remove(table: Table, key: string): void {
    this.buffer.set(`${table}\u0000${key}`, null);
  }

  /** Sends the buffered writes as one transaction; resolves once Redis has them (and every earlier flush). */
  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.buffer.size === 0) return this.chain;
    const writes = this.buffer;
    this.buffer = new Map();
    const multi = this.client.multi();
    for (const [k, row] of writes) {
      const [table, key] = k.split("\u0000") as [Table, string];
      if (row === null) multi.hDel(this.key(table), key);
      else multi.hSet(this.key(table), key, JSON.stringify(row));
    }
    this.chain = this.chain.then(async () => {
      await multi.exec();
    }).catch((e: unknown) => {
      this.failure = new RuntimeError("Internal", `the GCS storage failed: ${e instanceof Error ? e.message : String(e)}`);
      throw this.failure;
    });
    return this.chain;
  }

  /** Reads every table back (a restarted head's first step). */
  async load(): Promise<Tables> {
    const out = {} as Tables;
    for (const t of TABLES) {
      const rows = await this.client.hGetAll(this.key(t));
      out[t] = new Map(Object.entries(rows).map(([k, v]) => [k, JSON.parse(v) as unknown]));
    }
    return out;
  }

  private key(table: Table): string {
    return `${this.prefix}:${table}`;
  }
}
