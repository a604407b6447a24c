import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardFastifyAdapter } from '@bull-board/fastify';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { outcome } from '@passerelle/fhir';
import { BullMqDriver, QUEUE_DRIVER, type QueueDriver, type QueueName } from '@passerelle/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

const DESCRIPTIONS: Record<QueueName, string> = {
  route: 'Routes one outbox row to the agencies that should receive it',
  letter: 'Renders one letter',
  'print-run': 'Assembles one print run',
};

type ServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];

/** Where Bull Board lives; the queue admin API is beside it under /admin/queues. */
export const BOARD_PATH = '/admin/queues/board';

/**
 * The operator credential as a browser can send it: Basic auth with the credential as the
 * password (any user name), besides the Bearer header the admin API takes. Either way the
 * admin guard itself decides.
 */
export function asBearer(authorization: string | undefined): string | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!basic) return authorization;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return `Bearer ${colon >= 0 ? decoded.slice(colon + 1) : decoded}`;
}

/**
 * Mounts Bull Board at /admin/queues/board behind the operator credential, with the BullMQ
 * driver only: the in-process driver keeps its jobs in memory, where Bull Board cannot look
 * (GET /admin/queues and the dead-letter routes serve both).
 */
@Injectable()
export class QueueBoard implements OnModuleInit {
  private readonly logger = new Logger('QueueBoard');

  constructor(
    @Inject(QUEUE_DRIVER) private readonly driver: QueueDriver,
    private readonly host: HttpAdapterHost,
    private readonly guard: AdminAuthGuard,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!(this.driver instanceof BullMqDriver)) return;
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    if (typeof fastify.register !== 'function') {
      this.logger.warn('Bull Board needs the Fastify adapter: not mounted');
      return;
    }
    const board = new BoardFastifyAdapter();
    board.setBasePath(BOARD_PATH);
    createBullBoard({
      queues: this.driver
        .bullQueues()
        .map((queue) => new BullMQAdapter(queue, { description: DESCRIPTIONS[queue.name as QueueName] })),
      // @bull-board/fastify 9.10.1 ships its own copy of @bull-board/api (9.10.1, the root has
      // 9.10.2): same shape, but TypeScript sees two declarations of a private field.
      serverAdapter: board as unknown as ServerAdapter,
      options: { uiConfig: { boardTitle: 'Passerelle queues' } },
    });
    // An encapsulated plugin: the auth hook guards the board's routes and nothing else.
    await fastify.register(
      async (scope) => {
        scope.addHook('onRequest', (request, reply, done) => {
          if (this.allows(request)) done();
          else this.refuse(reply);
        });
        await scope.register(board.registerPlugin());
      },
      { prefix: BOARD_PATH },
    );
  }

  private allows(request: FastifyRequest): boolean {
    const view = { headers: { authorization: asBearer(request.headers.authorization) } };
    try {
      return this.guard.canActivate(new ExecutionContextHost([view]));
    } catch {
      return false;
    }
  }

  private refuse(reply: FastifyReply): void {
    void reply
      .code(401)
      // Basic, so that a browser asks the operator for the credential.
      .header('www-authenticate', 'Basic realm="passerelle-admin", charset="UTF-8"')
      .type('application/fhir+json')
      .send(outcome('error', 'login', 'Operator credential required'));
  }
}
