import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * Reads back a print run's CSV manifest (the one `writePrintRun` wrote): the manifest is the
 * record of which letters the PDF holds and how many pages each has, so the run's rows are
 * updated from it rather than from a second count.
 */

export interface ManifestEntry {
  letterId: string;
  pages: number;
}

/** One RFC 4180 line: quoted cells with "" for a quote, or bare cells. */
export function csvCells(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error('Unterminated quoted cell in the manifest');
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      cells.push(value);
      i++; // the comma (or past the end)
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      cells.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return cells;
}

export async function readManifest(path: string): Promise<ManifestEntry[]> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  const entries: ManifestEntry[] = [];
  let header: string[] | undefined;
  for await (const line of lines) {
    if (line === '') continue;
    const cells = csvCells(line);
    if (!header) {
      header = cells;
      continue;
    }
    const letterId = cells[header.indexOf('letter_id')];
    const pages = Number(cells[header.indexOf('pages')]);
    if (!letterId || !Number.isInteger(pages))
      throw new Error('A manifest row has no letter id or page count');
    entries.push({ letterId, pages });
  }
  return entries;
}
