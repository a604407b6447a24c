import { backoffDelay, httpStatusOf, isTransient, withRetry } from './retry';

const http = (status: number) =>
  Object.assign(new Error(`HTTP ${status}`), { response: { status, data: {} } });

describe('isTransient', () => {
  it('retries server faults, throttling and network failures', () => {
    for (const status of [500, 502, 503, 504, 429, 408]) expect(isTransient(http(status))).toBe(true);
    expect(
      isTransient(
        new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      ),
    ).toBe(true);
    expect(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(new DOMException('timed out', 'TimeoutError'))).toBe(true);
  });

  it('does not retry answers about the request itself, nor bugs', () => {
    for (const status of [400, 401, 403, 404, 409, 412, 422]) expect(isTransient(http(status))).toBe(false);
    expect(isTransient(new TypeError('x is not a function'))).toBe(false);
    expect(httpStatusOf(new Error('plain'))).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles up to the maximum, with jitter in the upper half', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});

describe('withRetry', () => {
  const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

  it('retries transient failures until one succeeds', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await withRetry(
      () => (++calls < 3 ? Promise.reject(http(503)) : Promise.resolve('ok')),
      policy,
      { onRetry: (_e, n) => retries.push(n) },
    );
    expect(result).toBe('ok');
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the last attempt, and at once on a permanent error', async () => {
    let calls = 0;
    await expect(withRetry(() => (calls++, Promise.reject(http(502))), policy)).rejects.toMatchObject({
      response: { status: 502 },
    });
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(() => (calls++, Promise.reject(http(400))), policy)).rejects.toThrow('HTTP 400');
    expect(calls).toBe(1);
  });

  it('stops retrying when shut down', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetry(
      () => {
        calls++;
        controller.abort();
        return Promise.reject(http(503));
      },
      { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      { signal: controller.signal },
    );
    await expect(run).rejects.toThrow('HTTP 503');
    expect(calls).toBe(1);
  });
});
