import { CONFIRM_REASONS, REJECT_REASONS } from '../i18n/identity-messages';
import type { Html } from '../jsx/jsx-runtime';
import { formatFhirDate } from './format';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

/** One record's demographics as the reviewer compares them. */
export interface ReviewRecord {
  patientId: string;
  agency: string;
  name?: string;
  birthDate?: string;
  gender?: string;
  identifiers: string[];
  address?: string;
  /** False when the record is deleted or cannot be read. */
  available: boolean;
}

export interface ReviewCandidate {
  id: string;
  rule: string;
  /** The names of the rules that agreed (family, given, birth-date, gender, postal-code, ...). */
  agreeing: string[];
  createdAt: Date;
  left: ReviewRecord;
  right: ReviewRecord;
  /** The records of each side's person, as `agency: record id`. */
  leftMembers: string[];
  rightMembers: string[];
}

export type IdentityDone = 'confirm' | 'reject' | 'undo';

export interface IdentityPageProps {
  page: PageContext;
  candidates: ReviewCandidate[];
  notice?: { done: IdentityDone; moved: string[] } | { problem: string };
  /** After a confirmation: the records it moved, which "undo" separates again. */
  undo?: string[];
}

const TRAITS = [
  { key: 'name', rules: ['family', 'given'] },
  { key: 'birthDate', rules: ['birth-date'] },
  { key: 'gender', rules: ['gender'] },
  { key: 'identifiers', rules: ['ins', 'national-id', 'nid', 'qid'] },
  { key: 'address', rules: ['postal-code'] },
] as const;

function traitValue(page: PageContext, record: ReviewRecord, key: (typeof TRAITS)[number]['key']): string {
  if (!record.available) return page.t.identity.missingRecord;
  switch (key) {
    case 'name':
      return record.name ?? '';
    case 'birthDate':
      return formatFhirDate(record.birthDate, page.lang);
    case 'gender':
      return record.gender ?? '';
    case 'identifiers':
      return record.identifiers.join(', ');
    case 'address':
      return record.address ?? '';
  }
}

function Decision(props: {
  page: PageContext;
  candidate: ReviewCandidate;
  kind: 'confirm' | 'reject';
}): Html {
  const { page, candidate, kind } = props;
  const i = page.t.identity;
  const id = `${kind}-reason-${candidate.id}`;
  const reasons = kind === 'confirm' ? CONFIRM_REASONS : REJECT_REASONS;
  return (
    <form method="post" action={`/identity/candidates/${encodeURIComponent(candidate.id)}/${kind}`}>
      <Csrf token={page.csrf} />
      <div class="field">
        <label for={id}>{`${i.reason} (${kind === 'confirm' ? i.confirm : i.reject})`}</label>
        <select id={id} name="reason" required>
          {reasons.map((r) => (
            <option value={r}>{i.reasons[r]}</option>
          ))}
        </select>
      </div>
      <button type="submit" class={kind === 'reject' ? 'danger' : undefined}>
        {kind === 'confirm' ? i.confirm : i.reject}
      </button>
    </form>
  );
}

function Candidate(props: { page: PageContext; candidate: ReviewCandidate; index: number }): Html {
  const { page, candidate } = props;
  const i = page.t.identity;
  const heading = `cand-${candidate.id}`;
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{`${i.candidate} ${props.index + 1}`}</h2>
      <p>
        {i.proposedBy} <strong>{candidate.rule}</strong> —{' '}
        {formatFhirDate(new Date(candidate.createdAt).toISOString(), page.lang)}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">{i.trait}</th>
            <th scope="col">{`${i.record} 1 (${candidate.left.agency})`}</th>
            <th scope="col">{`${i.record} 2 (${candidate.right.agency})`}</th>
            <th scope="col">{i.agrees}</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">{i.recordId}</th>
            <td>{candidate.left.patientId}</td>
            <td>{candidate.right.patientId}</td>
            <td></td>
          </tr>
          {TRAITS.map((trait) => (
            <tr>
              <th scope="row">{i[trait.key]}</th>
              <td>{traitValue(page, candidate.left, trait.key)}</td>
              <td>{traitValue(page, candidate.right, trait.key)}</td>
              <td>{trait.rules.some((r) => candidate.agreeing.includes(r)) ? i.yes : i.no}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">{i.members}</th>
            <td>{candidate.leftMembers.join(', ')}</td>
            <td>{candidate.rightMembers.join(', ')}</td>
            <td></td>
          </tr>
        </tbody>
      </table>
      <div class="actions">
        <Decision page={page} candidate={candidate} kind="confirm" />
        <Decision page={page} candidate={candidate} kind="reject" />
      </div>
    </section>
  );
}

/** Candidate links side by side with the evidence; confirm or reject with a reason; undo. */
export function IdentityReviewPage(props: IdentityPageProps): Html {
  const { page, notice } = props;
  const i = page.t.identity;
  return (
    <Layout page={page} title={i.title}>
      {notice && 'problem' in notice ? (
        <p class="notice error" role="alert">
          {notice.problem}
        </p>
      ) : null}
      {notice && 'done' in notice ? (
        <div class="notice" role="status">
          <p>
            {i.done[notice.done]}
            {notice.moved.length > 0 ? `: ${notice.moved.join(', ')}` : ''}
          </p>
          {props.undo && props.undo.length > 0 ? (
            <form method="post" action="/identity/undo">
              <Csrf token={page.csrf} />
              {props.undo.map((id) => (
                <input type="hidden" name="patient" value={id} />
              ))}
              <button type="submit" class="secondary">
                {i.undo}
              </button>
            </form>
          ) : null}
        </div>
      ) : null}
      <p>{i.help}</p>
      {props.candidates.length === 0 ? <p>{i.none}</p> : null}
      {props.candidates.map((c, index) => (
        <Candidate page={page} candidate={c} index={index} />
      ))}
    </Layout>
  );
}
