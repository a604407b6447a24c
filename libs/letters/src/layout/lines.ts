/**
 * Line breaking for the parts that repeat (footer on every page, the sender column on every
 * letter): broken once, cached, then drawn line by line with `lineBreak: false`, instead of
 * pdfkit's wrapper measuring the same paragraphs again on every page of every letter.
 */

/** Greedy breaking at spaces; a word wider than the line is cut between characters. */
export function breakLines(doc: PDFKit.PDFDocument, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (!word) continue;
    const candidate = line ? `${line} ${word}` : word;
    if (doc.widthOfString(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    while (doc.widthOfString(line) > width && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && doc.widthOfString(line.slice(0, cut)) > width) cut -= 1;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines;
}

const MAX_ENTRIES = 256;
const cache = new Map<string, string[]>();

/**
 * `breakLines` remembered by text, font, size and width. The caller sets the font and size on
 * `doc` first and names them in `font`; widths are the same in every document.
 */
export function cachedLines(
  doc: PDFKit.PDFDocument,
  font: string,
  size: number,
  text: string,
  width: number,
): string[] {
  const key = `${font}|${size}|${width}|${text}`;
  let lines = cache.get(key);
  if (!lines) {
    lines = breakLines(doc, text, width);
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, lines);
  }
  return lines;
}
