import { parseArgs } from 'node:util';
import {
  type DeadLetter,
  isQueueName,
  QUEUE_NAMES,
  type QueueCounts,
  type QueueName,
} from '@passerelle/sync';
import type { AdminClient } from './admin-client';

export const QUEUE_USAGE = `  queue list                                            counts per queue, driver, Bull Board address
  queue dead-letters [--queue ${QUEUE_NAMES.join('|')}] [--limit N]
                                                        jobs that failed for good, newest first
  queue replay QUEUE JOB_ID                             run a dead letter again, attempts reset`;

interface Overview {
  driver: string;
  board: string | null;
  queues: { name: QueueName; counts: QueueCounts }[];
}

/** One line per dead letter: queue, job id, when, attempts, payload (ids only), reason. */
export function formatDeadLetter(d: DeadLetter): string {
  const when = new Date(d.finishedOn).toISOString();
  return `${d.queue}\t${d.id}\t${when}\tattempts ${d.attemptsMade}\t${JSON.stringify(d.data)}\t${d.failedReason}`;
}

/**
 * `queue list | dead-letters | replay`: through the running hub's admin API, like the agency
 * commands, so the same commands serve BullMQ and the embedded in-process queues.
 */
export async function queueCommand(
  args: string[],
  admin: AdminClient,
  print: (line: string) => void = console.log,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { queue: { type: 'string' }, limit: { type: 'string' } },
  });
  const [action, queue, jobId] = positionals;
  switch (action) {
    case 'list': {
      const overview = await admin.request<Overview>('GET', '/admin/queues');
      print(`driver: ${overview.driver}${overview.board ? `; Bull Board at ${overview.board}` : ''}`);
      print('queue\twaiting\tactive\tdelayed\tfailed\tcompleted');
      for (const { name, counts: c } of overview.queues)
        print(`${name}\t${c.waiting}\t${c.active}\t${c.delayed}\t${c.failed}\t${c.completed}`);
      return;
    }
    case 'dead-letters': {
      if (values.queue !== undefined && !isQueueName(values.queue))
        throw new Error(`--queue must be one of ${QUEUE_NAMES.join(', ')}`);
      const query = new URLSearchParams();
      if (values.queue) query.set('queue', values.queue);
      if (values.limit) query.set('limit', values.limit);
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      const letters = await admin.request<DeadLetter[]>('GET', `/admin/queues/dead-letters${suffix}`);
      for (const letter of letters) print(formatDeadLetter(letter));
      print(`${letters.length} dead letter(s)`);
      return;
    }
    case 'replay': {
      if (!queue || !jobId || !isQueueName(queue)) throw new Error(`usage:\n${QUEUE_USAGE}`);
      await admin.request(
        'POST',
        `/admin/queues/${encodeURIComponent(queue)}/dead-letters/${encodeURIComponent(jobId)}/replay`,
      );
      print(`replayed ${queue} job ${jobId}`);
      return;
    }
    default:
      throw new Error(`usage:\n${QUEUE_USAGE}`);
  }
}
