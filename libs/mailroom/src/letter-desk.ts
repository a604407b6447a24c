import type { Db } from '@passerelle/store';
import {
  type AddressCheck,
  type AddressInput,
  addressInputFrom,
  firstPageImage,
  type Letter,
  type PageImage,
  recipientName,
  renderLetter,
  validateAddress,
} from '@passerelle/letters';
import { checkTypedAddress, currentFix, saveFix } from './address-fixes';
import { byNewest, contactFacts } from './contact-markers';
import { addressPlace, currentAddress, recordProblem } from './dispatch';
import type { LetterContent } from './letter-content';
import { getLetter, type LetterRow, letterView, moveLetter } from './letter-rows';
import { enqueueLetter, type MailroomDeps, type MailroomOptions, personRecords } from './mailroom-deps';
import { type LetterView, MailroomError } from './mailroom.types';
import { isHeld, nameOf } from './postal-address';

/**
 * What an operator does to one letter beyond moving it: see the address it would go to and fix
 * it (which releases a held letter), and see its first page as it would be printed now.
 */

export interface LetterAddress {
  letter: LetterView;
  /** The address in use: the operator's fix while it stands, else the newest record's. */
  input?: AddressInput;
  check: AddressCheck;
  /** Set when the address shown is an operator's fix. */
  fixed?: { by: string; at: Date };
}

export interface AddressFixResult {
  check: AddressCheck;
  /** Set when the address passed and the letter was released. */
  letter?: LetterView;
}

export async function letterAddress(deps: MailroomDeps, id: string, origin?: string): Promise<LetterAddress> {
  const db = deps.dataSource.manager;
  const row = await getLetter(db, id);
  const records = await personRecords(deps, row.patient_id);
  const fix = await currentFix(db, records);
  let input = fix?.input;
  for (const record of byNewest(records)) {
    if (input) break;
    input = addressInputFrom(nameOf(record.patient.name), record.patient.address);
  }
  return {
    letter: letterView(row),
    input,
    check: checkTypedAddress(input, origin),
    ...(fix ? { fixed: { by: fix.fixedBy, at: fix.fixedAt } } : {}),
  };
}

/**
 * Checks the address the operator typed, as the mailroom checks every address; when it passes,
 * keeps it for the letter's patient and releases the held letter (decided again from scratch),
 * with `inTransaction` (the audit record) in the same transaction.
 */
export async function fixAddress(
  deps: MailroomDeps,
  id: string,
  input: AddressInput,
  by: string,
  inTransaction?: (db: Db, letter: LetterView) => Promise<void>,
  origin?: string,
): Promise<AddressFixResult> {
  const check = checkTypedAddress(input, origin);
  if (!check.ok) return { check };
  const row = await deps.dataSource.transaction(async (tx) => {
    const held = await getLetter(tx, id, true);
    if (held.status !== 'held') throw new MailroomError('conflict', `A ${held.status} letter is not held`);
    await saveFix(tx, held.patient_id, input, by);
    await moveLetter(tx, id, ['held'], 'new');
    const moved = await getLetter(tx, id);
    await inTransaction?.(tx, letterView(moved));
    return moved;
  });
  await enqueueLetter(deps.queue, row);
  return { check, letter: letterView(row) };
}

/**
 * A held address cannot be printed: the preview shows this in its place, in capitals on the
 * window's lines, so nobody mistakes the preview for a letter that could go.
 */
function placeholder(reason: string) {
  const check = validateAddress({
    recipient: 'ADRESSE À CORRIGER / ADDRESS TO FIX',
    lines: [reason.toUpperCase()],
    country: 'APERCU SEULEMENT',
  });
  if (!check.ok) throw new Error(`the preview placeholder address fails its own check: ${check.reason}`);
  return check;
}

/**
 * The letter's first page as it would be printed now (today's date, the current address and
 * records), as a PNG. A letter whose records stop it (deleted, deceased) or whose content cannot
 * be built has no preview.
 */
export async function previewLetter(
  deps: MailroomDeps,
  options: Pick<MailroomOptions, 'sender' | 'timeZone'>,
  content: LetterContent,
  id: string,
): Promise<{ letter: LetterView; image: PageImage }> {
  const db = deps.dataSource.manager;
  const row: LetterRow = await getLetter(db, id);
  const records = await personRecords(deps, row.patient_id);
  const facts = contactFacts(records);
  const problem = recordProblem(records, facts);
  if (problem) throw new MailroomError('conflict', problem.message);
  const found = await currentAddress(db, records, await addressPlace(deps, options.sender, records));
  const address = isHeld(found)
    ? {
        address: placeholder(found.reason).address,
        patientName: recipientName(nameOf(byNewest(records)[0]?.patient.name)),
      }
    : found;
  const body = await content.body(
    row,
    records.map((r) => r.patient.id ?? ''),
    records,
  );
  if (isHeld(body)) throw new MailroomError('conflict', body.message);
  const letter = {
    ...body,
    reference: row.reference,
    date: new Date(),
    address: address.address,
    patientName: address.patientName,
    sender: options.sender,
    language: facts.language,
    largePrint: facts.largePrint,
    timeZone: options.timeZone,
  } as Letter;
  const { pdf } = await renderLetter(letter);
  return { letter: letterView(row), image: await firstPageImage(pdf) };
}
