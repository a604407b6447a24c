import type { AddressCheck, AddressInput } from '@passerelle/letters';
import type { LetterView } from '@passerelle/mailroom';
import { ADDRESS_CHECK_SCRIPT_PATH } from '../address-check-script';
import type { Html } from '../jsx/jsx-runtime';
import { formatFhirDate } from './format';
import { Csrf, Layout } from './layout';
import type { PageContext } from './page';

/** Street lines an operator can type (lines 2 to 5 of the address). */
export const ADDRESS_FORM_LINES = 4;

export interface LetterPageProps {
  page: PageContext;
  letter: LetterView;
  /** The address shown in the form: the one in use, or what the operator just typed. */
  address?: AddressInput;
  check: AddressCheck;
  fixed?: { by: string; at: Date };
}

/** What the checks say, as the live check answers it too. */
export function checkAnswer(
  page: PageContext,
  check: AddressCheck,
): { ok: boolean; text: string; lines?: readonly string[] } {
  const l = page.t.letter;
  return check.ok
    ? { ok: true, text: l.pass, lines: check.lines }
    : { ok: false, text: `${l.fail} ${l.problems[check.reason]}` };
}

function Checks(props: { page: PageContext; check: AddressCheck }): Html {
  const answer = checkAnswer(props.page, props.check);
  return (
    <div id="address-checks" class={answer.ok ? 'notice' : 'notice error'} role="status" aria-live="polite">
      <p>{answer.text}</p>
      {answer.lines ? <pre class="envelope">{answer.lines.join('\n')}</pre> : null}
    </div>
  );
}

function Field(props: { id: string; label: string; hint?: string; value?: string }): Html {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <input
        type="text"
        id={props.id}
        name={props.id}
        value={props.value ?? ''}
        autocomplete="off"
        spellcheck="false"
        aria-describedby={props.hint ? `${props.id}-hint address-checks` : 'address-checks'}
      />
    </div>
  );
}

function AddressForm(props: LetterPageProps): Html {
  const { page, letter, address } = props;
  const l = page.t.letter;
  return (
    <form
      method="post"
      action={`/mailroom/letters/${letter.id}/address`}
      data-address-check="/mailroom/address-check"
    >
      <Csrf token={page.csrf} />
      <Field id="recipient" label={l.recipient} hint={l.recipientHint} value={address?.recipient} />
      {Array.from({ length: ADDRESS_FORM_LINES }, (_, i) => (
        <Field
          id={`line${i + 1}`}
          label={l.line(i + 1)}
          hint={i === 0 ? l.lineHint : undefined}
          value={address?.lines[i]}
        />
      ))}
      <Field id="postalCode" label={l.postalCode} value={address?.postalCode} />
      <Field id="city" label={l.city} value={address?.city} />
      <Field id="country" label={l.country} hint={l.countryHint} value={address?.country} />
      <button type="submit">{l.save}</button>
    </form>
  );
}

/** One letter: its facts, its first page as an image, and (held) its address with live checks. */
export function LetterPage(props: LetterPageProps): Html {
  const { page, letter, fixed } = props;
  const l = page.t.letter;
  const m = page.t.mailroom;
  return (
    <Layout page={page} title={`${l.title} ${letter.reference}`} scripts={[ADDRESS_CHECK_SCRIPT_PATH]}>
      <p>
        <a href="/mailroom">{l.back}</a>
      </p>
      <dl class="facts">
        <dt>{m.kind}</dt>
        <dd>{letter.kind}</dd>
        <dt>{m.status}</dt>
        <dd>{letter.status}</dd>
        {letter.heldReason ? <dt>{m.reason}</dt> : null}
        {letter.heldReason ? (
          <dd>
            <strong>{letter.heldReason}</strong>
            {letter.heldMessage ? `: ${letter.heldMessage}` : ''}
          </dd>
        ) : null}
      </dl>
      <div class="letter-desk">
        <section aria-labelledby="address-heading">
          <h2 id="address-heading">{l.address}</h2>
          {letter.status === 'held' ? <p class="hint">{l.addressHelp}</p> : <p>{l.notHeld}</p>}
          {fixed ? (
            <p>
              {l.fixedBy} {fixed.by}, {formatFhirDate(new Date(fixed.at).toISOString(), page.lang)}
            </p>
          ) : null}
          <h3 id="checks-heading">{l.checks}</h3>
          <p class="hint">{l.checksLive}</p>
          <Checks page={page} check={props.check} />
          {letter.status === 'held' ? <AddressForm {...props} /> : null}
        </section>
        <section aria-labelledby="preview-heading">
          <h2 id="preview-heading">{l.preview}</h2>
          <img
            class="preview"
            src={`/mailroom/letters/${letter.id}/preview.png`}
            alt={l.previewAlt(letter.reference, letter.kind)}
            width="893"
            height="1263"
          />
        </section>
      </div>
    </Layout>
  );
}
