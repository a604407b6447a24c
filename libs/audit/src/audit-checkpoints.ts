import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as signData,
  verify as verifyData,
} from 'node:crypto';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A signed checkpoint: the chain's head (`seq`, `hash`) as one hub read it at `time`, signed with
 * an Ed25519 key kept outside the database. Whoever can rewrite `audit_event` and recompute its
 * hashes cannot sign a matching checkpoint, so a rewrite shows as a chain that no longer passes
 * through a signed (seq, hash).
 */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  /** ISO 8601, UTC: when the head was read. */
  time: string;
  /** Which key signed: `keyIdOf` its public key. */
  key: string;
  /** Ed25519 signature of `checkpointMessage(seq, hash, time)`, base64. */
  sig: string;
}

export type CheckpointProblemKind = 'unreadable' | 'unknown-key' | 'bad-signature';

/** A line of a checkpoint file that cannot be trusted. Forged or damaged: either way reported. */
export interface CheckpointProblem {
  file: string;
  line: number;
  problem: CheckpointProblemKind;
  /** The sequence number the line claims, when it has one. */
  seq?: number;
}

export interface CheckpointRead {
  /** Lines read from the checkpoint files. */
  read: number;
  /** Checkpoints whose signature holds, by sequence number (then time). */
  valid: AuditCheckpoint[];
  problems: CheckpointProblem[];
}

/**
 * What is signed, as UTF-8: a fixed prefix (so the signature means nothing anywhere else), then
 * the sequence number in decimal, the hash in lower-case hex and the time, separated by spaces.
 */
export function checkpointMessage(seq: number, hash: string, time: string): Buffer {
  return Buffer.from(`passerelle-audit-checkpoint/1 ${seq} ${hash} ${time}`, 'utf8');
}

/** The first 16 hex digits of the SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** An Ed25519 private key from PEM; refuses any other kind with a message naming the variable. */
export function checkpointPrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`${source} is not a PEM private key`); // never echo the key
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source} must be an Ed25519 private key`);
  return key;
}

/** Every PEM public key (or private key, whose public half is taken) in a text: the keys a verifier accepts. */
export function checkpointPublicKeys(pem: string, source: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  const keys = blocks.map((block) => {
    try {
      return createPublicKey(block);
    } catch {
      throw new Error(`${source} holds a block that is not a PEM key`);
    }
  });
  if (keys.length === 0) throw new Error(`${source} holds no PEM public key`);
  if (keys.some((k) => k.asymmetricKeyType !== 'ed25519'))
    throw new Error(`${source} must hold Ed25519 public keys`);
  return keys;
}

export function signCheckpoint(
  privateKey: KeyObject,
  seq: number,
  hash: string,
  time: Date,
): AuditCheckpoint {
  const iso = time.toISOString();
  const sig = signData(null, checkpointMessage(seq, hash, iso), privateKey).toString('base64');
  return { seq, hash, time: iso, key: keyIdOf(privateKey), sig };
}

/** One file a day (UTC), named after the day of the checkpoints it holds. */
export function checkpointFileName(time: string): string {
  return `${time.slice(0, 10)}.jsonl`;
}

/**
 * Appends a checkpoint as one line of `dir/<day>.jsonl` (directory 0700, file 0600) and waits
 * until it is on disk. The file is opened in append mode and the line written by one `write`:
 * on a local file system several hubs appending to one file never interleave their lines.
 */
export async function appendCheckpoint(dir: string, checkpoint: AuditCheckpoint): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, checkpointFileName(checkpoint.time));
  const line = `${JSON.stringify(checkpoint)}\n`;
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(line);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return file;
}

const HASH = /^[0-9a-f]{64}$/;

function parseLine(text: string): AuditCheckpoint | { seq?: number } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const seq = Number.isSafeInteger(v.seq) && (v.seq as number) > 0 ? (v.seq as number) : undefined;
  if (
    seq === undefined ||
    typeof v.hash !== 'string' ||
    !HASH.test(v.hash) ||
    typeof v.time !== 'string' ||
    Number.isNaN(Date.parse(v.time)) ||
    typeof v.key !== 'string' ||
    typeof v.sig !== 'string'
  )
    return seq === undefined ? {} : { seq };
  return { seq, hash: v.hash, time: v.time, key: v.key, sig: v.sig };
}

function signatureProblem(
  checkpoint: AuditCheckpoint,
  keys: ReadonlyMap<string, KeyObject>,
): CheckpointProblemKind | undefined {
  const key = keys.get(checkpoint.key);
  if (!key) return 'unknown-key';
  const message = checkpointMessage(checkpoint.seq, checkpoint.hash, checkpoint.time);
  try {
    return verifyData(null, message, key, Buffer.from(checkpoint.sig, 'base64'))
      ? undefined
      : 'bad-signature';
  } catch {
    return 'bad-signature';
  }
}

/**
 * Reads every `*.jsonl` file of `dir` (none when it does not exist) and checks each line's
 * signature against `publicKeys` (the current key and any retired ones). A line that does not
 * parse, names an unknown key or whose signature fails is a problem, never a checkpoint.
 */
export async function readCheckpoints(
  dir: string,
  publicKeys: readonly KeyObject[],
): Promise<CheckpointRead> {
  const keys = new Map(publicKeys.map((k) => [keyIdOf(k), k]));
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { read: 0, valid: [], problems: [] };
    throw e;
  }
  const result: CheckpointRead = { read: 0, valid: [], problems: [] };
  for (const file of files) {
    const lines = (await readFile(join(dir, file), 'utf8')).split('\n');
    // Text after the last newline is a line still being appended (or the empty string): not yet a checkpoint.
    lines.pop();
    for (const [index, text] of lines.entries()) {
      if (text.trim() === '') continue;
      result.read++;
      const parsed = parseLine(text);
      const at = { file, line: index + 1, ...(parsed.seq !== undefined ? { seq: parsed.seq } : {}) };
      const problem = 'sig' in parsed ? signatureProblem(parsed, keys) : 'unreadable';
      if (problem) result.problems.push({ ...at, problem });
      else result.valid.push(parsed as AuditCheckpoint);
    }
  }
  result.valid.sort((a, b) => a.seq - b.seq || a.time.localeCompare(b.time));
  return result;
}
