/**
 * Who may talk to the HTTP server. A page in the user's browser must not reach a server
 * bound to loopback through a rebound DNS name, so the Host header (and the Origin
 * header, when a browser sends one) must name the address the server is bound to. Off
 * loopback every request also carries the bearer token, compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export interface GuardOptions {
  /** The address the server is bound to, as given (e.g. 127.0.0.1, localhost, 0.0.0.0, ::1). */
  host: string;
  /** The port the server listens on (after binding, when 0 was asked for). */
  port: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

export interface Refusal {
  status: 401 | 403;
  message: string;
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];
const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "::", "[::]"]);

export class RequestGuard {
  /** The `host:port` values a request may name; null when bound to every address (the token guards it). */
  private readonly allowedHosts: ReadonlySet<string> | null;
  private readonly tokenDigest: Buffer | null;

  constructor(options: GuardOptions) {
    const host = options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host;
    const names = isLoopbackName(host) ? [host, ...LOOPBACK_NAMES] : [host];
    // A client leaves the port out of Host when it is the scheme's default.
    const hosts = names.flatMap((name) => (options.port === 80 ? [`${name}:80`, name] : [`${name}:${options.port}`]));
    this.allowedHosts = WILDCARD_ADDRESSES.has(host) ? null : new Set(hosts.map((name) => name.toLowerCase()));
    this.tokenDigest = options.token === undefined ? null : digest(options.token);
  }

  /** Why this request is refused, or null when it may go on. */
  check(request: IncomingMessage): Refusal | null {
    if (this.allowedHosts) {
      const host = (request.headers.host ?? "").toLowerCase();
      if (!this.allowedHosts.has(host)) return { status: 403, message: `Host ${JSON.stringify(request.headers.host ?? "")} is not this server's address.` };
      const origin = request.headers.origin;
      if (origin !== undefined && !this.allowedHosts.has(originHost(origin))) return { status: 403, message: `Origin ${JSON.stringify(origin)} may not use this server.` };
    }
    if (this.tokenDigest && !this.hasToken(request.headers.authorization)) {
      return { status: 401, message: "This server needs the header Authorization: Bearer <token> with the token it was started with." };
    }
    return null;
  }

  private hasToken(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    // Digests have one length, so the comparison takes the same time whatever was sent.
    return match !== null && timingSafeEqual(digest(match[1] as string), this.tokenDigest as Buffer);
  }
}

function isLoopbackName(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function originHost(origin: string): string {
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:") return "";
    return (url.port === "" ? `${url.hostname}:80` : url.host).toLowerCase();
  } catch {
    return "";
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
