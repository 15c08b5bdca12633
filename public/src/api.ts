/** A small client of the REST API: bearer token, JSON, and the API's error format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Api {
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  get<T = any>(path: string): Promise<T>;
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<T>;
  blob(path: string): Promise<Blob>;
}

/** `onResponse` sees every response (the terminal reads the server's clock from its Date header). */
export function createApi(token: () => string | null, onUnauthorized: () => void, onResponse?: (res: Response) => void): Api {
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const t = token();
    const res = await fetch(path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(t ? { authorization: `Bearer ${t}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    onResponse?.(res);
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      if (res.status === 401) onUnauthorized();
      throw new ApiError(res.status, data?.error?.code ?? 'error', data?.error?.message ?? res.statusText);
    }
    return data as T;
  }
  return {
    call,
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body, headers),
    async blob(path) {
      const t = token();
      const res = await fetch(path, { headers: t ? { authorization: `Bearer ${t}` } : {} });
      if (!res.ok) throw new ApiError(res.status, 'download_failed', res.statusText);
      return res.blob();
    },
  };
}
