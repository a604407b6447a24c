#!/usr/bin/env node
/**
 * Draws the first page of each kind of letter docs/mailroom.md shows, as a PNG under docs/images,
 * from the synthetic fixtures (libs/letters/src/testing/fixtures.ts, built): run `npm run build`,
 * then `node scripts/render-letter-pictures.mjs`. pdf.js renders the PDF the renderer made onto
 * @napi-rs/canvas, the canvas pdf.js itself uses under Node.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = require(join(root, 'dist/libs/letters/src/testing/fixtures.js'));
const { renderLetter } = require(join(root, 'dist/libs/letters/src/render-letter.js'));

const pictures = {
  'letter-appointment.png': fixtures.appointmentLetter('booked'),
  'letter-appointment-moved.png': fixtures.appointmentLetter('moved'),
  'letter-medicines.png': fixtures.medicinesLetter(),
};

for (const [file, letter] of Object.entries(pictures)) {
  const { pdf } = await renderLetter(letter);
  const doc = await getDocument({ data: new Uint8Array(pdf) }).promise;
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale: 1.2 });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  await page.render({ canvasContext: context, viewport, canvas }).promise;
  writeFileSync(join(root, 'docs/images', file), canvas.toBuffer('image/png'));
  console.log(`docs/images/${file}`);
}
