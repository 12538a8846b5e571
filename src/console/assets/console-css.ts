/** The console's one stylesheet, served from /console/assets/console.css (CSP: style-src 'self'). */
export const CONSOLE_CSS = `
:root {
  --bg: #f6f7f9;
  --surface: #ffffff;
  --border: #d9dee5;
  --border-strong: #b8c0cc;
  --text: #1b1f24;
  --muted: #5b6573;
  --accent: #4338ca;
  --accent-hover: #3730a3;
  --accent-soft: #eef0ff;
  --danger: #b42318;
  --danger-hover: #912018;
  --danger-soft: #fef3f2;
  --success: #067647;
  --success-soft: #ecfdf3;
  --warn: #8a5a00;
  --warn-soft: #fffaeb;
  --warn-border: #f0c75e;
  --focus: #2563eb;
  --radius: 8px;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
  --sans: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.55 var(--sans);
}
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { color: var(--accent-hover); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
/* headings and regions focused by script (to be announced) need no ring */
[tabindex="-1"]:focus { outline: none; }
code, .mono { font-family: var(--mono); font-size: 0.9em; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 0.25rem; letter-spacing: -0.01em; }
h1 + .card { margin-top: 1.25rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.75rem; }
h3 { font-size: 1rem; margin: 0 0 0.5rem; }
p { margin: 0 0 0.75rem; }
.muted { color: var(--muted); }
.small { font-size: 0.875rem; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.skip-link { position: absolute; left: 0.5rem; top: -3rem; background: var(--surface); padding: 0.5rem 0.75rem; z-index: 10; border-radius: var(--radius); }
.skip-link:focus { top: 0.5rem; }

/* top bar */
.topbar { background: #111827; color: #e5e7eb; }
.topbar-inner { max-width: 1120px; margin: 0 auto; padding: 0 1.5rem; display: flex; align-items: center; gap: 1.5rem; min-height: 56px; flex-wrap: wrap; }
.brand { display: inline-flex; align-items: center; gap: 0.5rem; color: #fff; font-weight: 700; font-size: 1.05rem; text-decoration: none; letter-spacing: 0.01em; }
.brand:hover { color: #fff; }
.brand svg { width: 22px; height: 22px; }
.account-chip { font-size: 0.8rem; color: #c7d2fe; background: #1f2a44; border: 1px solid #334155; padding: 0.1rem 0.55rem; border-radius: 999px; }
.topnav ul { list-style: none; display: flex; gap: 0.25rem; margin: 0; padding: 0; }
.topnav a { display: block; color: #cbd5e1; text-decoration: none; padding: 0.45rem 0.75rem; border-radius: 6px; font-size: 0.93rem; }
.topnav a:hover { color: #fff; background: #1f2937; }
.topnav a[aria-current="page"] { color: #fff; background: #273449; }
.topbar .who { margin-left: auto; display: flex; align-items: center; gap: 0.75rem; font-size: 0.875rem; color: #cbd5e1; }
.topbar .who form { margin: 0; }
.topbar .link-button { color: #e5e7eb; }

/* page */
main { max-width: 1120px; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
.narrow { max-width: 720px; }
.page-head { display: flex; align-items: flex-start; justify-content: space-between; gap: 1rem; margin-bottom: 1.5rem; flex-wrap: wrap; }
.page-head p { margin: 0.25rem 0 0; }
.breadcrumb { font-size: 0.875rem; margin-bottom: 0.5rem; }
.breadcrumb a { text-decoration: none; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1.5rem; margin-bottom: 1.5rem; box-shadow: 0 1px 2px rgba(16, 24, 40, 0.04); }
.card > :last-child { margin-bottom: 0; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; }
.columns { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 1.5rem; align-items: start; }
@media (max-width: 820px) { .columns { grid-template-columns: 1fr; } }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 0 1.5rem; align-items: start; }
footer.site { max-width: 1120px; margin: 0 auto; padding: 0 1.5rem 2rem; color: var(--muted); font-size: 0.8rem; }

/* buttons */
.button, button {
  font: inherit; font-weight: 600; font-size: 0.93rem; cursor: pointer;
  display: inline-flex; align-items: center; justify-content: center; gap: 0.4rem;
  padding: 0.55rem 1rem; border-radius: 6px; border: 1px solid var(--border-strong);
  background: var(--surface); color: var(--text); text-decoration: none; line-height: 1.2;
}
.button:hover, button:hover { background: #f1f3f6; color: var(--text); }
.button.primary, button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.button.primary:hover, button.primary:hover { background: var(--accent-hover); border-color: var(--accent-hover); color: #fff; }
.button.danger, button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
.button.danger:hover, button.danger:hover { background: var(--danger-hover); border-color: var(--danger-hover); }
.button.danger-outline, button.danger-outline { color: var(--danger); border-color: #f2b8b5; background: var(--surface); }
.button.danger-outline:hover, button.danger-outline:hover { background: var(--danger-soft); }
.button.large, button.large { padding: 0.7rem 1.25rem; font-size: 1rem; }
.button.block, button.block { width: 100%; }
button[disabled] { opacity: 0.55; cursor: not-allowed; }
.link-button { background: none; border: 0; padding: 0; font-weight: 500; color: var(--accent); text-decoration: underline; text-underline-offset: 2px; }
.link-button:hover { background: none; }
.actions { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin-top: 1.25rem; }

/* forms */
.field { margin-bottom: 1.15rem; }
.field > label, fieldset legend { display: block; font-weight: 600; margin-bottom: 0.3rem; font-size: 0.93rem; }
.hint { color: var(--muted); font-size: 0.85rem; margin: -0.1rem 0 0.4rem; }
input[type="text"], input[type="email"], input[type="password"], input[type="date"], select, textarea {
  width: 100%; font: inherit; color: var(--text); background: #fff;
  border: 1px solid var(--border-strong); border-radius: 6px; padding: 0.55rem 0.7rem;
}
input[type="text"], input[type="email"], input[type="password"], input[type="date"], select { min-height: 2.65rem; }
textarea { min-height: 5.5rem; resize: vertical; font-family: var(--mono); font-size: 0.85rem; }
input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid rgba(37, 99, 235, 0.35); outline-offset: 0; border-color: var(--focus); }
[aria-invalid="true"] { border-color: var(--danger) !important; }
.field-error { color: var(--danger); font-weight: 600; font-size: 0.875rem; margin: 0.35rem 0 0; }
.field-error:empty { display: none; }
fieldset { border: 0; padding: 0; margin: 0 0 1.15rem; min-width: 0; }
fieldset legend { padding: 0; }
.choice { display: flex; gap: 0.65rem; align-items: flex-start; padding: 0.75rem 0.9rem; border: 1px solid var(--border); border-radius: var(--radius); margin-bottom: 0.5rem; background: #fff; }
.choice:has(input:checked) { border-color: var(--accent); background: var(--accent-soft); }
.choice input { margin-top: 0.25rem; accent-color: var(--accent); }
.choice label { font-weight: 600; }
.choice .hint { margin: 0.1rem 0 0; }
.choice.unavailable { opacity: 0.6; }
.checkbox { display: flex; gap: 0.5rem; align-items: flex-start; }
.checkbox input { margin-top: 0.3rem; accent-color: var(--accent); }
details.advanced { margin: 0.25rem 0 1rem; }
details.advanced summary { cursor: pointer; font-weight: 600; color: var(--accent); margin-bottom: 0.75rem; }

/* messages */
.error-summary { border: 2px solid var(--danger); background: var(--danger-soft); border-radius: var(--radius); padding: 1rem 1.25rem; margin-bottom: 1.5rem; }
.error-summary h2 { color: var(--danger); font-size: 1rem; margin-bottom: 0.4rem; }
.error-summary ul { margin: 0; padding-left: 1.2rem; }
.error-summary a { color: var(--danger); font-weight: 600; }
.notice { border: 1px solid #abefc6; background: var(--success-soft); color: #054f31; border-radius: var(--radius); padding: 0.75rem 1rem; margin-bottom: 1.5rem; font-weight: 500; }
.notice.info { border-color: #c7d2fe; background: var(--accent-soft); color: #312e81; }
.callout-warning { display: flex; gap: 0.9rem; border: 1px solid var(--warn-border); background: var(--warn-soft); border-radius: var(--radius); padding: 1rem 1.25rem; margin-bottom: 1.5rem; color: #4a3200; }
.callout-warning svg { flex: none; width: 24px; height: 24px; color: #b7791f; margin-top: 0.1rem; }
.callout-warning strong { display: block; font-size: 1.02rem; margin-bottom: 0.2rem; color: #3d2900; }
.callout-warning p { margin: 0; }
.callout-danger { border: 1px solid #f2b8b5; background: var(--danger-soft); border-radius: var(--radius); padding: 1rem 1.25rem; margin-bottom: 1.25rem; color: #7a271a; }

/* tables */
.table-wrap { margin-bottom: 1.5rem; overflow-x: auto; background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: 0 1px 2px rgba(16, 24, 40, 0.04); }
table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.75rem 0.9rem; border-bottom: 1px solid #eceff3; vertical-align: top; }
thead th { background: #f9fafb; color: var(--muted); font-weight: 600; font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: #fafbfc; }
td .key-name { font-weight: 600; }
td.nowrap, th.nowrap { white-space: nowrap; }
td.details { overflow-wrap: anywhere; min-width: 16rem; }
td.scopes { min-width: 14rem; }
td .key-ref { font-size: 0.8rem; }
.empty { text-align: center; padding: 3rem 1rem; }
.empty h2 { margin-bottom: 0.35rem; }
.pager { display: flex; justify-content: flex-end; margin: 0 0 1.5rem; }

/* badges, chips */
.badge { display: inline-flex; align-items: center; gap: 0.35rem; font-size: 0.78rem; font-weight: 600; padding: 0.12rem 0.55rem; border-radius: 999px; border: 1px solid transparent; white-space: nowrap; }
.badge::before { content: ""; width: 0.45rem; height: 0.45rem; border-radius: 50%; background: currentColor; }
.badge.active { color: var(--success); background: var(--success-soft); border-color: #abefc6; }
.badge.disabled { color: #475467; background: #f2f4f7; border-color: #d0d5dd; }
.badge.expired { color: var(--warn); background: var(--warn-soft); border-color: #fedf89; }
.badge.revoked { color: var(--danger); background: var(--danger-soft); border-color: #fecdca; }
.badge.role { color: #3538cd; background: var(--accent-soft); border-color: #c7d2fe; }
.badge.role::before, .badge.plain::before { display: none; }
.chips { display: flex; flex-wrap: wrap; gap: 0.3rem; margin: 0; padding: 0; list-style: none; max-width: 22rem; }
.chip { font-family: var(--mono); font-size: 0.78rem; background: #f2f4f7; border: 1px solid #e4e7ec; padding: 0.05rem 0.45rem; border-radius: 4px; white-space: nowrap; }

.plain-list { list-style: none; margin: 0 0 1rem; padding: 0; }
.plain-list li { padding: 0.6rem 0; border-bottom: 1px solid #eceff3; }
.plain-list li:last-child { border-bottom: 0; }
details > summary.link-button { display: inline; list-style: none; cursor: pointer; }
details > summary.link-button::-webkit-details-marker { display: none; }
details[open] > summary.link-button { margin-bottom: 0.5rem; display: inline-block; }

/* definition lists */
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.55rem 1.5rem; margin: 0; font-size: 0.93rem; }
dl.meta dt { color: var(--muted); font-weight: 500; }
dl.meta dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }

/* the one-time reveal */
.secret-box { display: flex; gap: 0.5rem; align-items: stretch; margin-bottom: 0.5rem; }
.secret-box code, .secret-box pre { flex: 1; margin: 0; min-width: 0; font-family: var(--mono); font-size: 0.82rem; background: #0f172a; color: #e2e8f0; border-radius: 6px; padding: 0.7rem 0.85rem; overflow-x: auto; white-space: pre; }
.secret-box code { display: block; white-space: normal; overflow-wrap: anywhere; line-height: 1.5; }
.secret-label { font-weight: 600; margin: 1rem 0 0.35rem; display: block; }
.card > .secret-label:first-child { margin-top: 0; }
.reveal-actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1.25rem 0 0.5rem; }
details.pem summary { cursor: pointer; color: var(--accent); font-weight: 600; margin: 1rem 0 0.5rem; }
.copied { color: var(--success); font-weight: 600; font-size: 0.875rem; }
.step-done { margin-top: 1.5rem; padding-top: 1.25rem; border-top: 1px solid var(--border); }

/* sign-in */
.auth-wrap { min-height: 100vh; display: flex; flex-direction: column; align-items: center; justify-content: flex-start; padding: 4.5rem 1rem 2rem; }
.auth-brand { display: flex; align-items: center; gap: 0.6rem; font-size: 1.35rem; font-weight: 700; margin-bottom: 1.5rem; color: var(--text); text-decoration: none; }
.auth-brand svg { width: 30px; height: 30px; color: var(--accent); }
.auth-card { width: 100%; max-width: 420px; background: var(--surface); border: 1px solid var(--border); border-radius: 12px; padding: 2rem; box-shadow: 0 4px 16px rgba(16, 24, 40, 0.06); }
.auth-card h1 { font-size: 1.35rem; margin-bottom: 0.35rem; }
.auth-card .lead { color: var(--muted); margin-bottom: 1.5rem; }
.divider { display: flex; align-items: center; gap: 0.75rem; color: var(--muted); font-size: 0.85rem; margin: 1.25rem 0; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--border); }
.auth-foot { margin-top: 1.25rem; color: var(--muted); font-size: 0.85rem; text-align: center; max-width: 420px; }
[hidden] { display: none !important; }
`;
