import type { Coding } from 'fhir/r4';
import {
  ACT_CODE_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  confidentialityRank,
  DEFAULT_CONFIDENTIALITY,
  SENSITIVE_ACT_CODES,
  SENSITIVE_CONFIDENTIALITY,
  sensitivityCovers,
} from './vocabulary';

/** A security label reduced to what the rules compare. */
export interface Label {
  system?: string;
  code: string;
}

const label = (c: Coding): Label | undefined =>
  c.code === undefined ? undefined : { system: c.system || undefined, code: c.code };

/**
 * The labels a resource is judged by: its own, plus confidentiality `N` when it has no
 * confidentiality label (so "R or lower" also covers unlabelled data). When it has several
 * confidentiality labels, the highest is its level.
 */
export function effectiveLabels(securityLabels: readonly Coding[]): Label[] {
  const labels = securityLabels.map(label).filter((l) => l !== undefined);
  const levels = labels.filter((l) => l.system === CONFIDENTIALITY_SYSTEM);
  const others = labels.filter((l) => l.system !== CONFIDENTIALITY_SYSTEM);
  const highest = levels.reduce<Label | undefined>(
    (best, l) =>
      (confidentialityRank(l.code) ?? -1) > (best ? (confidentialityRank(best.code) ?? -1) : -1) ? l : best,
    undefined,
  );
  return [...others, highest ?? { system: CONFIDENTIALITY_SYSTEM, code: DEFAULT_CONFIDENTIALITY }];
}

/** The labels that make data sensitive: an ActCode sensitivity category, or confidentiality R/V. */
export function sensitiveLabels(labels: readonly Label[]): Label[] {
  return labels.filter(
    (l) =>
      (l.system === ACT_CODE_SYSTEM && SENSITIVE_ACT_CODES.has(l.code)) ||
      (l.system === CONFIDENTIALITY_SYSTEM && SENSITIVE_CONFIDENTIALITY.has(l.code)),
  );
}

/**
 * Does a label named in a provision cover a label of the data? Confidentiality: the data's level is
 * at most the named one. ActCode sensitivity: the same code or a narrower one (SPI covers PSY).
 * Anything else: the same system and code.
 */
export function labelCovers(named: Coding, data: Label): boolean {
  const n = label(named);
  if (n === undefined || n.system !== data.system) return false;
  if (n.system === CONFIDENTIALITY_SYSTEM) {
    const [namedRank, dataRank] = [confidentialityRank(n.code), confidentialityRank(data.code)];
    return namedRank !== undefined && dataRank !== undefined && dataRank <= namedRank;
  }
  if (n.system === ACT_CODE_SYSTEM) return sensitivityCovers(n.code, data.code);
  return n.code === data.code;
}
