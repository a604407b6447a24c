/**
 * The pages' one stylesheet, served from the hub (no build step). Colours meet WCAG 2.1 AA
 * contrast (4.5:1 for text, 3:1 for focus rings and borders); focus is always visible.
 */
export const PAGES_CSS = `
:root { --ink: #1b1b1b; --muted: #4a4a4a; --link: #0b4f8a; --accent: #0b4f8a; --paper: #ffffff;
  --band: #f2f4f7; --line: #6b7280; --error: #a4001d; --warn-bg: #fff4e0; --warn-ink: #4d2a00; --ok: #0b6b2e; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-size: 100%; line-height: 1.5; color: var(--ink); background: var(--paper); }
body { margin: 0; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px; box-shadow: 0 0 0 6px #ffd34d; }
.skip { position: absolute; left: -10000px; top: 0; background: var(--paper); padding: 0.5rem 1rem; }
.skip:focus { left: 1rem; top: 1rem; z-index: 10; }
header.site { background: var(--accent); color: #fff; }
header.site .bar { max-width: 72rem; margin: 0 auto; padding: 0.75rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
header.site a, header.site button.link { color: #fff; }
header.site .brand { font-weight: 700; font-size: 1.25rem; text-decoration: none; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
footer.site { border-top: 1px solid var(--line); color: var(--muted); }
footer.site p { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.75rem; margin-top: 0; }
h2 { font-size: 1.35rem; margin-top: 2rem; }
form.inline { display: inline; }
button.link { background: none; border: 0; padding: 0; font: inherit; text-decoration: underline; cursor: pointer; }
fieldset { border: 1px solid var(--line); padding: 1rem; margin: 0 0 1rem; }
legend { font-weight: 700; padding: 0 0.25rem; }
.field { margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.hint { color: var(--muted); font-size: 0.95rem; margin: 0 0 0.25rem; }
input[type=text], input[type=password], input[type=date], select, textarea { font: inherit; padding: 0.4rem 0.5rem; border: 2px solid var(--line); border-radius: 2px; min-width: 16rem; max-width: 100%; color: var(--ink); background: #fff; }
.check { display: flex; gap: 0.5rem; align-items: flex-start; }
.check label { font-weight: 400; }
button, .button { font: inherit; font-weight: 600; background: var(--accent); color: #fff; border: 2px solid var(--accent); padding: 0.45rem 1rem; border-radius: 2px; cursor: pointer; text-decoration: none; display: inline-block; }
button.danger { background: var(--error); border-color: var(--error); }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
.error { color: var(--error); font-weight: 600; }
.notice { border-left: 6px solid var(--accent); background: var(--band); padding: 0.75rem 1rem; margin: 1rem 0; }
.notice.error { border-color: var(--error); }
.warning { border-left: 6px solid #b35c00; background: var(--warn-bg); color: var(--warn-ink); padding: 0.75rem 1rem; margin: 1rem 0; }
.status-ok { color: var(--ok); font-weight: 700; }
.status-down { color: var(--error); font-weight: 700; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); }
th { background: var(--band); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: 1rem 0; }
details { margin: 1.5rem 0; }
summary { cursor: pointer; font-weight: 600; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
img.preview { max-width: 100%; width: 36rem; height: auto; border: 1px solid var(--line); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.2); }
.letter-desk { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 2rem; }
@media (max-width: 60rem) { .letter-desk { grid-template-columns: 1fr; } }
pre.envelope { font-family: ui-monospace, "DejaVu Sans Mono", monospace; background: #fff; border: 1px dashed var(--line); padding: 0.5rem 0.75rem; }
`;
