import type { AppChild } from '../support/processes';
import { RoundRobin } from './round-robin';
import { SyncStack, type StackOptions } from './stack';

/**
 * The sync stack scaled out: two hub processes on one PostgreSQL database and one Redis, behind
 * the test's round-robin front, and two routing workers. The connectors, the operator calls and
 * the agencies' tokens all go through the front (the hubs know its address as PUBLIC_BASE_URL,
 * so a client assertion made for it is accepted by either hub); `hubs[i]` is each hub itself.
 * Both hubs sign audit checkpoints every second into one directory.
 */
export class ScaleOutStack extends SyncStack {
  readonly front = new RoundRobin();
  readonly hubs: AppChild[] = [];

  constructor(options: Omit<StackOptions, 'hubStore' | 'redis'>) {
    super({ ...options, hubStore: 'postgres', redis: 'shared' });
  }

  override async start(): Promise<this> {
    await this.front.listen();
    this.options.sharedEnv = {
      ...this.options.sharedEnv,
      PUBLIC_BASE_URL: this.front.url,
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1',
    };
    await super.start(); // both hubs, the first worker, the connectors
    await this.startWorker();
    return this;
  }

  /** Both hubs (at the first call); the front stands for them as "the hub" of the stack. */
  override async startHub(): Promise<AppChild> {
    if (this.hubs.length === 0) {
      await this.startHubAt(0);
      await this.startHubAt(1);
    }
    return this.hub;
  }

  /** Starts hub `index` (on `port`, e.g. to bring a killed hub back where it was) behind the front. */
  async startHubAt(index: number, port?: number): Promise<AppChild> {
    const hub = await super.startHub(port);
    this.hubs[index] = hub;
    this.front.upstreams[index] = hub;
    this.hub = this.frontAsChild();
    return hub;
  }

  override async close(): Promise<void> {
    await this.front.close();
    await super.close();
  }

  private frontAsChild(): AppChild {
    const front = this.front;
    return {
      name: 'round-robin',
      pid: process.pid,
      exited: new Promise(() => undefined),
      exit: undefined,
      output: () => '',
      kill: () => Promise.reject(new Error('kill a hub of `hubs`, not the front')),
      port: front.port,
      url: front.url,
    };
  }
}
