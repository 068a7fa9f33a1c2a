import type { Overview } from './answers.js';
import { $, count, el, host } from './dom.js';

/** The readiness banner: what needs an operator's attention now, or that nothing does. */

function problems(o: Overview): string[] {
  const out: string[] = [];
  for (const [name, c] of Object.entries(o.readiness.checks)) {
    if (c.ok) continue;
    out.push(
      name === 'poll'
        ? 'Polling: ' + c.error + (c.ageSeconds !== null && c.ageSeconds !== undefined ? ' (last poll ' + c.ageSeconds + ' s ago)' : '')
        : name + ': ' + (c.error || 'down'),
    );
  }
  if (o.unavailable.length) out.push('Not read (storage out of reach), shown empty: ' + o.unavailable.join(', '));
  const offline = o.servers.filter((s) => s.state !== 'disabled' && !s.health.online);
  if (offline.length) out.push(count(offline.length, 'server') + ' offline: ' + offline.map((s) => host(s.url)).join(', '));
  const panicked = o.servers.filter((s) => s.health.panickedAt);
  if (panicked.length) out.push('Auto-panicked: ' + panicked.map((s) => host(s.url)).join(', '));
  const suspect = o.servers.filter((s) => s.health.suspect);
  if (suspect.length) out.push('Suspect: ' + suspect.map((s) => host(s.url)).join(', '));
  for (const [what, n] of Object.entries(o.headroom)) {
    if (n !== null && n < 0) out.push('No headroom: losing the largest server would leave ' + -n + ' ' + what + ' without room');
  }
  return out;
}

export function banner(o: Overview): void {
  const list = problems(o);
  const b = $('banner');
  b.className = 'banner ' + (list.length ? 'bad' : 'ok');
  b.replaceChildren(
    ...(list.length
      ? [el('strong', {}, 'Needs attention'), el('ul', {}, ...list.map((p) => el('li', {}, p)))]
      : [el('strong', {}, 'Ready'), ' Postgres, Redis and polling are fine; every server in service is online.']),
  );
  b.hidden = false;
}
