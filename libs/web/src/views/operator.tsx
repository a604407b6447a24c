import type { Html } from '../jsx/jsx-runtime';
import { formatFhirDate } from './format';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

export interface AgencyRow {
  id: string;
  name: string;
  kind: string;
  status: string;
  /** When it last obtained an access token. */
  lastToken?: Date;
  lastPush?: Date;
  lastFeedRead?: Date;
  feedPending: number;
  oldestPending?: Date;
}

export interface QueueRow {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface DeadLetterRow {
  queue: string;
  id: string;
  failedAt: Date;
  attempts: number;
  reason: string;
}

export interface OperatorPageProps {
  page: PageContext;
  agencies: AgencyRow[];
  outboxBacklog: number;
  queues: QueueRow[];
  deadLetters: DeadLetterRow[];
  letters: { held: number; pending: number; postedWeek: number };
  auditEvents: number;
  verification?: { ok: boolean; checked: number; problems: string[]; lastSeq?: number };
  /** The newest recorded verification of the chain (from this page, the admin API or the CLI). */
  lastVerification?: LastVerification;
  notice?: { replayed: string } | { problem: string };
}

export interface LastVerification {
  at: Date;
  ok: boolean;
  checked: number;
  /** Where it first broke, and the problem's code. */
  brokenAt?: number;
  problem?: string;
  by: string;
}

const at = (page: PageContext, date: Date | undefined): string =>
  date ? formatFhirDate(new Date(date).toISOString(), page.lang) : page.t.operator.never;

/** The operator's overview: agencies, sync, queues and dead letters, letters, the audit chain. */
export function OperatorPage(props: OperatorPageProps): Html {
  const { page, notice, verification } = props;
  const o = page.t.operator;
  return (
    <Layout page={page} title={o.title}>
      {notice && 'problem' in notice ? (
        <p class="notice error" role="alert">
          {notice.problem}
        </p>
      ) : null}
      {notice && 'replayed' in notice ? (
        <p class="notice" role="status">
          {o.replayed} <strong>{notice.replayed}</strong>
        </p>
      ) : null}
      <section aria-labelledby="agencies-heading">
        <h2 id="agencies-heading">{o.agencies}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{o.agency}</th>
              <th scope="col">{o.kind}</th>
              <th scope="col">{o.status}</th>
              <th scope="col">{o.lastToken}</th>
              <th scope="col">{o.lastPush}</th>
              <th scope="col">{o.lastFeedRead}</th>
              <th scope="col">{o.feedPending}</th>
              <th scope="col">{o.feedLag}</th>
            </tr>
          </thead>
          <tbody>
            {props.agencies.map((a) => (
              <tr>
                <th scope="row">{`${a.name} (${a.id})`}</th>
                <td>{a.kind}</td>
                <td>{a.status}</td>
                <td>{at(page, a.lastToken)}</td>
                <td>{at(page, a.lastPush)}</td>
                <td>{at(page, a.lastFeedRead)}</td>
                <td>{String(a.feedPending)}</td>
                <td>{a.oldestPending ? at(page, a.oldestPending) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="sync-heading">
        <h2 id="sync-heading">{o.sync}</h2>
        <p>
          {o.outboxBacklog}: <strong>{String(props.outboxBacklog)}</strong>
        </p>
        <table>
          <caption>{o.queues}</caption>
          <thead>
            <tr>
              <th scope="col">{o.queue}</th>
              <th scope="col">{o.waiting}</th>
              <th scope="col">{o.active}</th>
              <th scope="col">{o.delayed}</th>
              <th scope="col">{o.failed}</th>
            </tr>
          </thead>
          <tbody>
            {props.queues.map((q) => (
              <tr>
                <th scope="row">{q.name}</th>
                <td>{String(q.waiting)}</td>
                <td>{String(q.active)}</td>
                <td>{String(q.delayed)}</td>
                <td>{q.failed > 0 ? <a href="#dead-letters-heading">{String(q.failed)}</a> : '0'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3 id="dead-letters-heading">{o.deadLetters}</h3>
        {props.deadLetters.length === 0 ? (
          <p>{o.noDeadLetters}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{o.queue}</th>
                <th scope="col">{o.job}</th>
                <th scope="col">{o.failedAt}</th>
                <th scope="col">{o.attempts}</th>
                <th scope="col">{o.why}</th>
                <th scope="col">{o.replay}</th>
              </tr>
            </thead>
            <tbody>
              {props.deadLetters.map((d) => (
                <tr>
                  <td>{d.queue}</td>
                  <td>{d.id}</td>
                  <td>{at(page, d.failedAt)}</td>
                  <td>{String(d.attempts)}</td>
                  <td>{d.reason}</td>
                  <td>
                    <form
                      method="post"
                      action={`/operator/dead-letters/${encodeURIComponent(d.queue)}/${encodeURIComponent(d.id)}/replay`}
                    >
                      <Csrf token={page.csrf} />
                      <button type="submit" class="secondary" aria-label={`${o.replay} ${d.queue} ${d.id}`}>
                        {o.replay}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="letters-heading">
        <h2 id="letters-heading">{o.letters}</h2>
        <dl class="facts">
          <dt>{o.held}</dt>
          <dd>
            <a href="/mailroom#held-heading">{String(props.letters.held)}</a>
          </dd>
          <dt>{o.pending}</dt>
          <dd>
            <a href="/mailroom#waiting-heading">{String(props.letters.pending)}</a>
          </dd>
          <dt>{o.postedWeek}</dt>
          <dd>
            <a href="/mailroom#posted-heading">{String(props.letters.postedWeek)}</a>
          </dd>
        </dl>
      </section>
      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading">{o.audit}</h2>
        <p>
          {o.auditEvents}: <strong>{String(props.auditEvents)}</strong>
        </p>
        <LastCheck page={page} last={props.lastVerification} />
        {verification ? (
          <div
            class={verification.ok ? 'notice' : 'notice error'}
            role={verification.ok ? 'status' : 'alert'}
          >
            <p>
              {verification.ok ? o.verifiedOk : o.verifiedBroken} {String(verification.checked)} {o.checked}
              {verification.lastSeq !== undefined ? `, ${o.lastRecord} #${verification.lastSeq}` : ''}
            </p>
            {verification.problems.length > 0 ? (
              <ul>
                {verification.problems.map((p) => (
                  <li>{p}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <form method="post" action="/operator/audit/verify">
          <Csrf token={page.csrf} />
          <p class="hint" id="verify-help">
            {o.verifyHelp}
          </p>
          <button type="submit" aria-describedby="verify-help">
            {o.verify}
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** The newest recorded verification: when, by whom, intact or where it broke. */
function LastCheck(props: { page: PageContext; last?: LastVerification }): Html {
  const { page, last } = props;
  const o = page.t.operator;
  if (!last) return <p id="last-verification">{o.neverVerified}</p>;
  return (
    <p id="last-verification">
      {o.lastVerification}: <strong>{at(page, last.at)}</strong> ({last.by}) —{' '}
      {last.ok
        ? `${o.lastOk}, ${last.checked} ${o.checked}`
        : `${o.lastBroken} #${last.brokenAt ?? 0} (${last.problem ?? '?'}), ${last.checked} ${o.checked}`}
    </p>
  );
}
