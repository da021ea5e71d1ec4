import type { Socket } from "node:net";
import type { ChildProcess } from "node:child_process";
import { RuntimeError, toWireError, type ErrorKind } from "./protocol.js";

/**
 * A message channel between two runtime processes: JSON lines over a Unix
 * socket, or Node's IPC channel between a parent and a forked child.
 */
export interface Channel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

/** JSON lines over a socket; the channel closes when the socket does. */
export function socketChannel(socket: Socket): Channel {
  let buffer = "";
  const listeners: ((message: unknown) => void)[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() === "") continue;
      const message: unknown = JSON.parse(line);
      for (const l of listeners) l(message);
    }
  });
  socket.on("error", () => socket.destroy()); // reported as a close
  return {
    send: (message) => {
      if (!socket.destroyed) socket.write(JSON.stringify(message) + "\n");
    },
    onMessage: (l) => void listeners.push(l),
    onClose: (l) => void socket.on("close", l),
    close: () => socket.end(),
  };
}

/** Node's IPC channel to a forked child (from the parent) or to the parent (from the child: pass `process`). */
export function ipcChannel(peer: ChildProcess | NodeJS.Process): Channel {
  return {
    send: (message) => {
      if (peer.connected && peer.send !== undefined) peer.send(message as never);
    },
    onMessage: (l) => void peer.on("message", l),
    onClose: (l) => void peer.on("disconnect", l),
    close: () => {
      if (peer.connected) peer.disconnect?.();
    },
  };
}

type Handler = (method: string, params: Record<string, unknown>) => Promise<unknown>;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RuntimeError) => void;
}

/**
 * Requests and replies in both directions over one channel: the head asks an
 * actor to run a method on the same connection the actor uses to ask the head
 * for a lookup. Requests are `{id, method, params}`, replies `{re, ok, …}`.
 */
export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  /**
   * `closedKind` is the error a request in flight gets when the peer goes
   * away: ActorDied for an actor's connection, Internal for the head's.
   */
  constructor(readonly channel: Channel, private handler: Handler | null = null, private readonly closedKind: ErrorKind = "Internal") {
    channel.onMessage((m) => this.onMessage(m as Record<string, unknown>));
    channel.onClose(() => this.onClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sets who answers the peer's requests. */
  serve(handler: Handler): void {
    this.handler = handler;
  }

  /** Sends a request and waits for its reply; a failed reply rejects with its kind. */
  request<T = unknown>(method: string, params: object = {}, closedMessage = "the peer went away"): Promise<T> {
    if (this.closed) return Promise.reject(new RuntimeError(this.closedKind, closedMessage));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.channel.send({ id, method, params });
    });
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    this.channel.close();
  }

  private onMessage(m: Record<string, unknown>): void {
    if (typeof m.re === "number") {
      const p = this.pending.get(m.re);
      if (p === undefined) return;
      this.pending.delete(m.re);
      if (m.ok === true) p.resolve(m.result);
      else {
        const e = m.error as { kind: ErrorKind; message: string };
        p.reject(new RuntimeError(e.kind, e.message));
      }
      return;
    }
    if (typeof m.id !== "number") return; // not part of the request/reply exchange (e.g. a readiness notice)
    void this.answer(m.id, String(m.method), (m.params ?? {}) as Record<string, unknown>);
  }

  private async answer(id: number, method: string, params: Record<string, unknown>): Promise<void> {
    try {
      if (this.handler === null) throw new RuntimeError("Internal", `nobody serves ${method} here`);
      const result = await this.handler(method, params);
      this.channel.send({ re: id, ok: true, result: result ?? {} });
    } catch (e) {
      this.channel.send({ re: id, ok: false, error: toWireError(e) });
    }
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new RuntimeError(this.closedKind, "the peer went away before answering"));
    this.pending.clear();
    for (const l of this.closeListeners) l();
  }
}
