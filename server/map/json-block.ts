/**
 * Data for the browser inside `<script type="application/json">`: browsers never execute such a
 * block, so the strict CSP (script-src 'self') allows it. Everything that could end the block or
 * open a comment is written as a JSON escape, so no value can break out of it.
 */
export function jsonBlock(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
