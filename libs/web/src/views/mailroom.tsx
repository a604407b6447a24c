import type { LetterView, RunView } from '@passerelle/mailroom';
import type { Html } from '../jsx/jsx-runtime';
import { formatFhirDate } from './format';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

export type MailroomDone = 'release' | 'cancel' | 'returned' | 'run' | 'printed' | 'posted' | 'consent';

export interface MailroomPageProps {
  page: PageContext;
  held: LetterView[];
  waiting: LetterView[];
  posted: LetterView[];
  runs: RunView[];
  /** What the last action did (its reference), or what was wrong with it. */
  notice?: { done: MailroomDone; reference: string } | { problem: string };
  agencyKinds: readonly ('hospital' | 'gp' | 'specialist')[];
  categories: readonly string[];
}

function Action(props: {
  page: PageContext;
  action: string;
  label: string;
  name: string;
  danger?: boolean;
}): Html {
  return (
    <form method="post" action={props.action} class="inline">
      <Csrf token={props.page.csrf} />
      <button
        type="submit"
        class={props.danger ? 'danger' : 'secondary'}
        aria-label={`${props.label} ${props.name}`}
      >
        {props.label}
      </button>
    </form>
  );
}

function when(page: PageContext, date: Date | undefined): string {
  return date ? formatFhirDate(new Date(date).toISOString(), page.lang) : '';
}

function LetterTable(props: {
  page: PageContext;
  id: string;
  caption: string;
  letters: LetterView[];
  empty: string;
  reason?: boolean;
  actions: (letter: LetterView) => Html | null;
}): Html {
  const { t } = props.page;
  const m = t.mailroom;
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.caption}</h2>
      {props.letters.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.reference}</th>
              <th scope="col">{m.kind}</th>
              {props.reason ? <th scope="col">{m.reason}</th> : null}
              <th scope="col">{m.since}</th>
              <th scope="col">{m.actions}</th>
            </tr>
          </thead>
          <tbody>
            {props.letters.map((l) => (
              <tr>
                <td>{l.reference}</td>
                <td>{l.kind}</td>
                {props.reason ? (
                  <td>
                    <strong>{l.heldReason ?? ''}</strong>
                    {l.heldMessage ? `: ${l.heldMessage}` : ''}
                  </td>
                ) : null}
                <td>{when(props.page, l.updatedAt)}</td>
                <td>
                  <div class="actions">{props.actions(l)}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Runs(props: { page: PageContext; runs: RunView[] }): Html {
  const { page } = props;
  const m = page.t.mailroom;
  return (
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading">{m.runs}</h2>
      <form method="post" action="/mailroom/runs">
        <Csrf token={page.csrf} />
        <button type="submit">{m.createRun}</button>
      </form>
      {props.runs.length === 0 ? (
        <p>{m.runsNone}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.run}</th>
              <th scope="col">{m.status}</th>
              <th scope="col">{m.letters}</th>
              <th scope="col">{m.pages}</th>
              <th scope="col">{m.created}</th>
              <th scope="col">{m.actions}</th>
            </tr>
          </thead>
          <tbody>
            {props.runs.map((r) => {
              const name = r.id.slice(0, 8);
              const files = r.status === 'ready' || r.status === 'printed' || r.status === 'posted';
              return (
                <tr>
                  <td>{name}</td>
                  <td>{r.status}</td>
                  <td>{String(r.letters)}</td>
                  <td>{String(r.pages)}</td>
                  <td>{when(page, r.createdAt)}</td>
                  <td>
                    <div class="actions">
                      {files ? (
                        <a href={`/mailroom/runs/${r.id}/pdf`} aria-label={`${m.pdf} ${name}`}>
                          {m.pdf}
                        </a>
                      ) : null}
                      {files ? (
                        <a href={`/mailroom/runs/${r.id}/manifest`} aria-label={`${m.manifest} ${name}`}>
                          {m.manifest}
                        </a>
                      ) : null}
                      {r.status === 'ready' ? (
                        <Action
                          page={page}
                          action={`/mailroom/runs/${r.id}/printed`}
                          label={m.markPrinted}
                          name={name}
                        />
                      ) : null}
                      {r.status === 'printed' ? (
                        <Action
                          page={page}
                          action={`/mailroom/runs/${r.id}/posted`}
                          label={m.markPosted}
                          name={name}
                        />
                      ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ConsentForm(props: MailroomPageProps): Html {
  const { page } = props;
  const m = page.t.mailroom;
  return (
    <section aria-labelledby="consent-heading">
      <h2 id="consent-heading">{m.consentForm}</h2>
      <p class="hint">{m.consentHelp}</p>
      <form method="post" action="/mailroom/consent-forms">
        <Csrf token={page.csrf} />
        <div class="field">
          <label for="code">{m.code}</label>
          <p class="hint" id="code-hint">
            {m.codeHint}
          </p>
          <input type="text" id="code" name="code" required aria-describedby="code-hint" autocomplete="off" />
        </div>
        {props.agencyKinds.map((kind) => (
          <fieldset>
            <legend>{`${m.sharingWith} ${m.agencyKinds[kind]}`}</legend>
            <div class="check">
              <input type="checkbox" id={`sharing-${kind}-agree`} name={`sharing-${kind}`} value="agree" />
              <label for={`sharing-${kind}-agree`}>{m.agree}</label>
            </div>
            <div class="check">
              <input type="checkbox" id={`sharing-${kind}-refuse`} name={`sharing-${kind}`} value="refuse" />
              <label for={`sharing-${kind}-refuse`}>{m.refuse}</label>
            </div>
          </fieldset>
        ))}
        {props.categories.map((category) => (
          <fieldset>
            <legend>{`${m.sensitive} (${m.categories[category as keyof typeof m.categories] ?? category})`}</legend>
            {props.agencyKinds.map((kind) => (
              <div class="check">
                <input
                  type="checkbox"
                  id={`sensitive-${category}-${kind}`}
                  name={`sensitive-${category}`}
                  value={kind}
                />
                <label for={`sensitive-${category}-${kind}`}>{m.agencyKinds[kind]}</label>
              </div>
            ))}
          </fieldset>
        ))}
        <div class="field check">
          <input type="checkbox" id="signed" name="signed" value="yes" />
          <label for="signed">{m.signed}</label>
        </div>
        <div class="field">
          <label for="signedOn">{m.signedOn}</label>
          <p class="hint" id="signedOn-hint">
            {m.signedOnHint}
          </p>
          <input
            type="text"
            id="signedOn"
            name="signedOn"
            aria-describedby="signedOn-hint"
            autocomplete="off"
          />
        </div>
        <button type="submit">{m.record}</button>
      </form>
    </section>
  );
}

/** The mailroom's work: held letters with their reasons, letters waiting, runs, returned mail, paper forms. */
export function MailroomPage(props: MailroomPageProps): Html {
  const { page, notice } = props;
  const m = page.t.mailroom;
  return (
    <Layout page={page} title={m.title}>
      {notice && 'problem' in notice ? (
        <p class="notice error" role="alert">
          {notice.problem}
        </p>
      ) : null}
      {notice && 'done' in notice ? (
        <p class="notice" role="status">
          {m.done[notice.done]} <strong>{notice.reference}</strong>
        </p>
      ) : null}
      <LetterTable
        page={page}
        id="held-heading"
        caption={m.held}
        letters={props.held}
        empty={m.heldNone}
        reason
        actions={(l) => (
          <>
            <Action
              page={page}
              action={`/mailroom/letters/${l.id}/release`}
              label={m.release}
              name={l.reference}
            />
            <Action
              page={page}
              action={`/mailroom/letters/${l.id}/cancel`}
              label={m.cancel}
              name={l.reference}
              danger
            />
          </>
        )}
      />
      <LetterTable
        page={page}
        id="waiting-heading"
        caption={m.waiting}
        letters={props.waiting}
        empty={m.waitingNone}
        actions={(l) => (
          <Action
            page={page}
            action={`/mailroom/letters/${l.id}/cancel`}
            label={m.cancel}
            name={l.reference}
            danger
          />
        )}
      />
      <Runs page={page} runs={props.runs} />
      <LetterTable
        page={page}
        id="posted-heading"
        caption={m.posted}
        letters={props.posted}
        empty={m.postedNone}
        actions={(l) => (
          <Action
            page={page}
            action={`/mailroom/letters/${l.id}/returned`}
            label={m.returned}
            name={l.reference}
          />
        )}
      />
      <ConsentForm {...props} />
    </Layout>
  );
}
