import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Talks to a running hub's admin API: the CLI never opens the database behind the hub's back. */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** HUB_URL (default http://127.0.0.1:$PORT), ADMIN_TOKEN or the embedded hub's DATA_DIR/admin-token (DATA_DIR/hub/ under the demo). */
  static fromEnv(env: NodeJS.ProcessEnv): AdminClient {
    const baseUrl = (env.HUB_URL ?? `http://127.0.0.1:${env.PORT ?? '8080'}`).replace(/\/+$/, '');
    let token = env.ADMIN_TOKEN;
    const dataDir = resolve(env.DATA_DIR ?? './data');
    const file = join(dataDir, 'admin-token');
    // `npm start` (the demo) keeps its hub's data, and so its credential, in DATA_DIR/hub.
    const demoFile = join(dataDir, 'hub', 'admin-token');
    for (const candidate of [file, demoFile])
      if (!token && existsSync(candidate)) token = readFileSync(candidate, 'utf8').trim();
    if (!token) throw new Error(`Set ADMIN_TOKEN (or run next to the embedded hub's ${file})`);
    return new AdminClient(baseUrl, token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        const outcome = JSON.parse(text) as { issue?: { diagnostics?: string }[] };
        message = outcome.issue?.map((i) => i.diagnostics).join('; ') ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new Error(`${method} ${path} → ${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
}
