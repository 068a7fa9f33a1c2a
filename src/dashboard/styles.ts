/** The dashboard's styles: system fonts, readable tables, state shown in words as well as colour. */
export const styles = `:root {
  color-scheme: light dark;
  --fg: #1b1f23; --muted: #5a636e; --bg: #fff; --line: #d8dde3; --head: #f3f5f7;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --focus: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9aa5b1; --bg: #0d1117; --line: #30363d; --head: #161b22;
          --ok: #3fb950; --warn: #d29922; --bad: #f85149; --focus: #58a6ff; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem 3rem; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.4rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
code { font-size: .9em; }
.top { display: flex; align-items: center; justify-content: space-between; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); padding-bottom: .75rem; }
.toolbar { display: flex; align-items: center; gap: .5rem; }
[hidden] { display: none !important; }
.muted { color: var(--muted); }
.alert { border: 1px solid var(--bad); color: var(--bad); padding: .5rem .75rem; border-radius: 4px; }
button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--line); border-radius: 4px; background: var(--head); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--muted); }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
form { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
input { font: inherit; padding: .3rem .5rem; min-width: 22rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--head); font-weight: 600; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.url { word-break: break-all; }
.tag { display: inline-block; margin-left: .4rem; padding: 0 .4rem; border: 1px solid var(--line); border-radius: 3px; font-size: .85em; color: var(--muted); }
.state, .online, .offline { font-weight: 600; }
.state-enabled, .online { color: var(--ok); }
.state-cordoned { color: var(--warn); }
.state-disabled, .offline, .over, .error-text { color: var(--bad); }
.error-text { word-break: break-word; }
.banner { border: 2px solid; border-radius: 6px; padding: .6rem .9rem; margin: 1rem 0; }
.banner.ok { border-color: var(--ok); }
.banner.bad { border-color: var(--bad); }
.banner.bad strong { color: var(--bad); }
.banner ul { margin: .3rem 0 0; padding-left: 1.2rem; }
.badge { display: inline-block; margin-left: .4rem; padding: 0 .4rem; border-radius: 3px; font-size: .85em; font-weight: 600; color: var(--bg); background: var(--bad); }
.badge.warn { background: var(--warn); }
.id { word-break: break-all; }
.sub { display: block; font-size: .9em; }
.rec { color: var(--bad); font-weight: 600; }
.search { display: flex; align-items: center; gap: .5rem; margin-bottom: .3rem; }
.search input { min-width: 0; flex: 1; max-width: 28rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-word; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 1rem; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .6rem; }
.chart figcaption { display: flex; justify-content: space-between; font-weight: 600; }
.chart svg { display: block; width: 100%; height: 5.5rem; margin: .3rem 0; }
.chart .line { fill: none; stroke: var(--focus); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.chart .dot { fill: var(--focus); }
.chart .axis { stroke: var(--line); vector-effect: non-scaling-stroke; }
.chart .scale { display: flex; justify-content: space-between; font-size: .8em; }
/* A phone: each row becomes a card with its headings beside the values, so no column is cut off. */
@media (max-width: 700px) {
  body { padding: .75rem .75rem 2rem; }
  input { min-width: 0; width: 100%; }
  .scroll table, .scroll tbody, .scroll tr, .scroll td, .scroll th[scope="row"] { display: block; width: 100%; }
  .scroll thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .scroll tr { border: 1px solid var(--line); border-radius: 6px; margin-bottom: .6rem; padding: .3rem .5rem; }
  .scroll td, .scroll th[scope="row"] { border: 0; padding: .15rem 0; text-align: left; display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 .5rem; overflow-wrap: anywhere; }
  .scroll td > *, .scroll th[scope="row"] > * { min-width: 0; }
  .scroll td::before, .scroll th[scope="row"]::before { content: attr(data-label); flex: 0 0 8.5rem; color: var(--muted); font-weight: 400; }
  .scroll tr.empty td { display: block; }
  .scroll tr.empty td::before { content: none; }
  .action { width: 100%; padding: .5rem; }
}
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
