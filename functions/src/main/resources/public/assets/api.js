// The console's only way to the server. Every non-2xx answer carries
// {"error":{"code","message","details"}} (docs/protocol.md §2); it becomes an ApiError.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

const FRIENDLY = {
  0: 'The server cannot be reached. Check your connection and try again.',
};

export class Api {
  /**
   * @param {() => string|null} token      current web access token
   * @param {(err: ApiError) => void} onUnauthorized  called when the server says the token is no good
   */
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body, { auth = true, accept = 'application/json' } = {}) {
    const headers = { Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? this.token() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', FRIENDLY[0]);
    }
    if (!res.ok) {
      const err = await toError(res);
      if (res.status === 401 && auth && token) this.onUnauthorized(err);
      throw err;
    }
    if (res.status === 204) return null;
    if (accept !== 'application/json') return res.blob();
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  get(path, opts) { return this.request('GET', path, undefined, opts); }
  post(path, body = {}, opts) { return this.request('POST', path, body, opts); }
  put(path, body = {}, opts) { return this.request('PUT', path, body, opts); }
  del(path, opts) { return this.request('DELETE', path, undefined, opts); }
}

async function toError(res) {
  let code = `HTTP_${res.status}`;
  let message = `The server answered ${res.status} ${res.statusText || ''}`.trim();
  let details = {};
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
      details = body.error.details || {};
    }
  } catch (_) {
    // not JSON (a proxy's error page): keep the status line
  }
  return new ApiError(res.status, code, message, details);
}

/** Path segment encoding for ids that come from the server. */
export const seg = (v) => encodeURIComponent(String(v));
