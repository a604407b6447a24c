import { manifestHeader, manifestLine } from '@passerelle/letters';
import { csvCells } from './manifest-reader';

describe('csvCells', () => {
  it('reads back what the manifest writer writes, quotes and formula guards included', () => {
    const line = manifestLine({
      letterId: 'a1',
      patientReference: '=HYPERLINK("x"), "quoted"',
      firstPage: 3,
      pages: 2,
      sheets: 1,
      postageClass: 'standard',
    }).replace(/\r\n$/, '');
    expect(csvCells(line)).toEqual(['a1', `'=HYPERLINK("x"), "quoted"`, '3', '2', '1', 'standard']);
    expect(csvCells(manifestHeader().trim())).toEqual([
      'letter_id',
      'patient_reference',
      'first_page',
      'pages',
      'sheets',
      'postage_class',
    ]);
  });

  it('keeps empty cells', () => {
    expect(csvCells('a,,""')).toEqual(['a', '', '']);
  });

  it('refuses an unterminated quoted cell', () => {
    expect(() => csvCells('"abc')).toThrow(/Unterminated/);
  });
});
