/**
 * `@passerelle/letters/testing`: what tests of the libs that print need to read a PDF back.
 * Tests only; the product never imports it (eslint allows it in spec files alone).
 */
export * from './read-pdf';
