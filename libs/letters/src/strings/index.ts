import { EN } from './en';
import { FR } from './fr';
import type { Language, LetterStrings } from './types';

export * from './types';

const TABLE: Readonly<Record<Language, LetterStrings>> = { fr: FR, en: EN };

export function stringsFor(language: Language): LetterStrings {
  return TABLE[language];
}
