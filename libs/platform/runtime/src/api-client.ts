import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ApiClientOptions {
  /** Base URL of a running Roamgate; ROAMGATE_URL, else http://localhost:PORT. */
  readonly url?: string;
  /** Admin token; ROAMGATE_ADMIN_TOKEN, else the token file in ROAMGATE_DATA_DIR (./data). */
  readonly token?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly body: unknown, method: string, path: string) {
    const detail = typeof body === 'object' && body && 'message' in body ? (body as { message: unknown }).message : body;
    super(`${method} ${path} failed with HTTP ${status}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
  }
}

/** What the CLI commands use to reach the operations API of a running process. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(options: ApiClientOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.baseUrl = (options.url ?? env.ROAMGATE_URL ?? `http://localhost:${env.PORT ?? 8080}`).replace(/\/+$/, '');
    this.token = options.token ?? env.ROAMGATE_ADMIN_TOKEN ?? readTokenFile(env.ROAMGATE_DATA_DIR ?? './data');
  }

  /** The authorization header of this client, for requests it does not make itself (a streamed upload). */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      throw new Error(`cannot reach Roamgate at ${this.baseUrl} (${(error as Error).cause ?? (error as Error).message}); is it running? set ROAMGATE_URL`);
    }
    const text = await response.text();
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, parsed, method, path);
    return parsed as T;
  }
}

function readTokenFile(dataDir: string): string | undefined {
  const file = join(resolve(dataDir), 'admin-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
