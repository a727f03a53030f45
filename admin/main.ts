// The admin console: users, their roles, status, sessions and security events, the audit
// log, and sign-ins per hour. A plain client of the admin API (every action is one of its
// calls, with the admin's access token), signed in with the refresh token in an HttpOnly
// cookie, so that reopening the page signs in silently.

import type { paths } from '../demo/api-schema';
import { SECURITY_EVENTS } from '../src/config/security-events';
import { api, ApiClient, messageOf, type Schemas } from '../demo/client';

type User = Schemas['User'];
type AuditEvent = Schemas['AuditEvent'];
type Hour = Schemas['SigninsPerHour']['hours'][number];
type RoleName = NonNullable<paths['/api/users/{userId}/roles']['put']['requestBody']>['content']['application/json']['roles'][number];
type EventType = NonNullable<paths['/api/audit']['get']['parameters']['query']>['type'];

const client = new ApiClient();
let pendingMfa: string | undefined;
let selected: User | undefined;
let usersCursor: string | null = null;
let auditCursor: string | null = null;

const $ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T => {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};
const show = (selector: string, visible: boolean) => {
  $<HTMLElement>(selector).hidden = !visible;
};

/** Errors are shown, never swallowed; successes too, briefly. */
function status(text: string, ok = false): void {
  const bar = $<HTMLElement>('[data-testid="status"]');
  bar.textContent = text;
  bar.className = ok ? 'ok' : '';
  bar.hidden = false;
}

/** A typed call (refreshing once on a 401): its reply, or an error naming the action and the API's message. */
async function call<T>(action: string, make: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await client.call(make);
  if (data === undefined) throw new Error(`${action}: ${response.status} ${messageOf(error, response)}`);
  return data;
}

/** Runs an action from a button or form, showing what went wrong. */
function act(work: () => Promise<void>): void {
  work().catch((err: unknown) => status(err instanceof Error ? err.message : String(err)));
}

/** A form field's text ('' when absent; files are not used here). */
const field = (data: FormData, name: string): string => {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '–');

function cells(row: HTMLTableRowElement, values: string[]): HTMLTableRowElement {
  for (const value of values) row.insertCell().textContent = value;
  return row;
}

// --- signing in ------------------------------------------------------------------------

async function enterConsole(): Promise<void> {
  const me = await call('Your profile', () => api.GET('/api/users/me'));
  $('[data-testid="whoami"]').textContent = `Signed in as ${me.username} (${me.roles.join(', ')})`;
  show('[data-testid="signin"]', false);
  show('[data-testid="signout"]', true);
  if (!me.roles.includes('ROLE_ADMIN')) {
    // The API refuses every admin call anyway; say so plainly instead of failing on each.
    $('[data-testid="refused-text"]').textContent =
      `This console is for admins. ${me.username} has ${me.roles.join(', ')}; ask an admin for the admin role.`;
    show('[data-testid="refused"]', true);
    return;
  }
  show('[data-testid="console"]', true);
  loadEventTypes();
  await searchUsers('');
}

function signedOutView(): void {
  $('[data-testid="whoami"]').textContent = 'Signed out.';
  for (const part of ['console', 'refused', 'signout', 'mfa-form']) show(`[data-testid="${part}"]`, false);
  show('[data-testid="signin"]', true);
}

$<HTMLFormElement>('[data-testid="signin-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(event.currentTarget as HTMLFormElement);
  act(async () => {
    const outcome = await client.signIn(field(data, 'username'), field(data, 'password'), 'cookie');
    if (outcome.kind === 'refused') throw new Error(`Sign in: ${outcome.message}`);
    if (outcome.kind === 'mfa') {
      pendingMfa = outcome.mfaToken;
      show('[data-testid="mfa-form"]', true);
      return;
    }
    await enterConsole();
  });
});

$<HTMLFormElement>('[data-testid="mfa-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(event.currentTarget as HTMLFormElement);
  act(async () => {
    const code = field(data, 'code');
    const outcome = await client.completeMfa(pendingMfa ?? '', code ? { code } : { recoveryCode: field(data, 'recoveryCode') }, 'cookie');
    if (outcome.kind !== 'signed-in') throw new Error(`Code: ${outcome.kind === 'refused' ? outcome.message : 'refused'}`);
    show('[data-testid="mfa-form"]', false);
    await enterConsole();
  });
});

$('[data-testid="passkey-signin"]').addEventListener('click', () =>
  act(async () => {
    const outcome = await client.signInWithPasskey('cookie');
    if (outcome.kind !== 'signed-in') throw new Error(`Passkey: ${outcome.kind === 'refused' ? outcome.message : 'refused'}`);
    await enterConsole();
  }),
);

$('[data-testid="signout"]').addEventListener('click', () =>
  act(async () => {
    await client.signOut();
    signedOutView();
  }),
);

// --- tabs ------------------------------------------------------------------------------

for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) other.classList.toggle('active', other === tab);
    for (const panel of document.querySelectorAll<HTMLElement>('[data-panel]')) panel.hidden = panel.dataset.panel !== tab.dataset.tab;
    if (tab.dataset.tab === 'audit') act(() => loadAudit(true));
    if (tab.dataset.tab === 'chart') act(loadChart);
  });
}

// --- users -----------------------------------------------------------------------------

let lastQuery = '';
/** The newest list request: a slower reply to an older one (the first page, a previous search) is dropped. */
let usersRequest = 0;

async function searchUsers(q: string, more = false): Promise<void> {
  lastQuery = q;
  const mine = ++usersRequest;
  const query = { limit: 20, ...(q ? { q } : {}), ...(more && usersCursor ? { cursor: usersCursor } : {}) };
  const page = await call('Users', () => api.GET('/api/users', { params: { query } }));
  if (mine !== usersRequest) return;
  const body = $<HTMLTableSectionElement>('[data-testid="users"] tbody');
  if (!more) body.replaceChildren();
  for (const user of page.users) {
    const row = cells(body.insertRow(), [
      user.username,
      user.email,
      user.roles.map((r) => r.replace('ROLE_', '').toLowerCase()).join(', '),
      user.disabled ? 'disabled' : 'active',
      user.emailVerified ? 'yes' : 'no',
      [user.mfa.totp ? 'app' : '', user.mfa.passkeys ? `${user.mfa.passkeys} passkey(s)` : ''].filter(Boolean).join(', ') || '–',
      when(user.createdAt),
      when(user.lastSigninAt),
    ]);
    row.dataset.userId = user.id;
    row.addEventListener('click', () => act(() => openUser(user.id)));
  }
  usersCursor = page.nextCursor;
  show('[data-testid="users-more"]', page.nextCursor !== null);
}

$<HTMLFormElement>('[data-testid="user-search"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const q = field(new FormData(event.currentTarget as HTMLFormElement), 'q').trim();
  act(() => searchUsers(q));
});
$('[data-testid="users-more"]').addEventListener('click', () => act(() => searchUsers(lastQuery, true)));

async function openUser(id: string): Promise<void> {
  const user = await call('User', () => api.GET('/api/users/{userId}', { params: { path: { userId: id } } }));
  selected = user;
  for (const row of document.querySelectorAll<HTMLElement>('[data-testid="users"] tbody tr')) row.classList.toggle('selected', row.dataset.userId === id);
  $('[data-testid="user-title"]').textContent = `${user.username} (${user.disabled ? 'disabled' : 'active'})`;
  const facts = $('[data-testid="user-facts"]');
  facts.replaceChildren();
  for (const [term, value] of [
    ['Id', user.id],
    ['Email', `${user.email}${user.emailVerified ? ' (verified)' : ''}`],
    ['Authenticator app', user.mfa.totp ? `yes, ${user.mfa.recoveryCodesLeft} recovery codes left` : 'no'],
    ['Passkeys', String(user.mfa.passkeys)],
    ['Created', when(user.createdAt)],
    ['Last sign-in', when(user.lastSigninAt)],
  ] as const) {
    facts.append(Object.assign(document.createElement('dt'), { textContent: term }), Object.assign(document.createElement('dd'), { textContent: value }));
  }
  for (const box of document.querySelectorAll<HTMLInputElement>('[data-testid="user"] input[name="role"]')) {
    box.checked = user.roles.includes(`ROLE_${box.value.toUpperCase()}`);
  }
  $('[data-testid="toggle-disabled"]').textContent = user.disabled ? 'Enable' : 'Disable';
  show('[data-testid="user"]', true);
  await Promise.all([loadSessions(user.id), loadUserEvents(user.id)]);
}

async function loadSessions(userId: string): Promise<void> {
  const { sessions } = await call('Sessions', () => api.GET('/api/users/{userId}/sessions', { params: { path: { userId }, query: { limit: 50 } } }));
  const body = $<HTMLTableSectionElement>('[data-testid="sessions"] tbody');
  body.replaceChildren();
  for (const session of sessions) {
    const row = cells(body.insertRow(), [when(session.createdAt), when(session.lastUsedAt), session.signInMethod ?? '–', session.ip ?? '–', session.userAgent ?? '–']);
    const revoke = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Revoke' });
    revoke.addEventListener('click', () =>
      act(async () => {
        await call('Revoke session', () =>
          api.DELETE('/api/users/{userId}/sessions/{sessionId}', { params: { path: { userId, sessionId: session.id } } }),
        );
        status('Session revoked.', true);
        await Promise.all([loadSessions(userId), loadUserEvents(userId)]);
      }),
    );
    row.insertCell().append(revoke);
  }
  if (sessions.length === 0) cells(body.insertRow(), ['No active session.']);
}

function eventRow(body: HTMLTableSectionElement, event: AuditEvent, withUser: boolean): void {
  const by = event.actor.kind === 'user' ? (event.actor.id === event.userId ? 'the user' : 'user') : event.actor.kind;
  cells(body.insertRow(), [
    when(event.at),
    event.type,
    event.actor.id && event.actor.kind === 'admin' ? `admin ${event.actor.id}` : by,
    ...(withUser ? [event.username ?? event.userId ?? '–'] : []),
    event.ip ?? '–',
    Object.keys(event.detail).length > 0 ? JSON.stringify(event.detail) : '',
  ]);
}

async function loadUserEvents(userId: string): Promise<void> {
  const { events } = await call('Security events', () => api.GET('/api/audit', { params: { query: { user: userId, limit: 20 } } }));
  const body = $<HTMLTableSectionElement>('[data-testid="user-events"] tbody');
  body.replaceChildren();
  for (const event of events) eventRow(body, event, false);
}

/** An action on the open user, then everything about them again. */
function onSelected(label: string, work: (user: User) => Promise<unknown>, confirmText?: string): void {
  if (!selected) return;
  const user = selected;
  if (confirmText && !window.confirm(confirmText.replace('{name}', user.username))) return;
  act(async () => {
    await work(user);
    status(`${label}: done.`, true);
    await Promise.all([openUser(user.id), searchUsers(lastQuery)]);
  });
}

$('[data-testid="save-roles"]').addEventListener('click', () =>
  onSelected('Roles', (user) => {
    const roles = [...document.querySelectorAll<HTMLInputElement>('[data-testid="user"] input[name="role"]:checked')].map((b) => b.value as RoleName);
    return call('Roles', () => api.PUT('/api/users/{userId}/roles', { params: { path: { userId: user.id } }, body: { roles } }));
  }),
);
$('[data-testid="toggle-disabled"]').addEventListener('click', () =>
  onSelected(selected?.disabled ? 'Enable' : 'Disable', (user) =>
    call('Status', () =>
      user.disabled
        ? api.POST('/api/users/{userId}/enable', { params: { path: { userId: user.id } } })
        : api.POST('/api/users/{userId}/disable', { params: { path: { userId: user.id } } }),
    ),
  ),
);
$('[data-testid="reset-factors"]').addEventListener('click', () =>
  onSelected(
    'Second factors removed',
    (user) => call('Second factors', () => api.DELETE('/api/users/{userId}/mfa', { params: { path: { userId: user.id } } })),
    "Remove {name}'s authenticator app, recovery codes and passkeys?",
  ),
);
$('[data-testid="revoke-all"]').addEventListener('click', () =>
  onSelected('Sessions ended', (user) => call('Sessions', () => api.DELETE('/api/users/{userId}/sessions', { params: { path: { userId: user.id } } }))),
);
$('[data-testid="delete-user"]').addEventListener('click', () => {
  if (!selected) return;
  const user = selected;
  if (!window.confirm(`Delete ${user.username} and every session of theirs? This cannot be undone.`)) return;
  act(async () => {
    await call('Delete', () => api.DELETE('/api/users/{userId}', { params: { path: { userId: user.id } } }));
    selected = undefined;
    show('[data-testid="user"]', false);
    status(`${user.username} was deleted.`, true);
    await searchUsers(lastQuery);
  });
});

// --- audit log -------------------------------------------------------------------------

/** The event types from the service's own catalogue (bundled in), so the filter cannot drift from it. */
function loadEventTypes(): void {
  const select = $<HTMLSelectElement>('[data-testid="audit-filter"] select');
  if (select.options.length > 1) return; // filled at an earlier sign-in
  for (const type of Object.keys(SECURITY_EVENTS).sort()) select.append(new Option(type, type));
}

let auditRequest = 0;

async function loadAudit(fresh: boolean): Promise<void> {
  const mine = ++auditRequest;
  const data = new FormData($<HTMLFormElement>('[data-testid="audit-filter"]'));
  const type = field(data, 'type');
  const user = field(data, 'user').trim();
  const query = {
    limit: 50,
    ...(type ? { type: type as EventType } : {}),
    ...(user ? { user } : {}),
    ...(!fresh && auditCursor ? { cursor: auditCursor } : {}),
  };
  const page = await call('Audit log', () => api.GET('/api/audit', { params: { query } }));
  if (mine !== auditRequest) return; // a newer filter's reply wins
  const body = $<HTMLTableSectionElement>('[data-testid="audit"] tbody');
  if (fresh) body.replaceChildren();
  for (const event of page.events) eventRow(body, event, true);
  auditCursor = page.nextCursor;
  show('[data-testid="audit-more"]', page.nextCursor !== null);
}

$<HTMLFormElement>('[data-testid="audit-filter"]').addEventListener('submit', (event) => {
  event.preventDefault();
  act(() => loadAudit(true));
});
$('[data-testid="audit-more"]').addEventListener('click', () => act(() => loadAudit(false)));

// --- sign-ins per hour -----------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';

async function loadChart(): Promise<void> {
  const window = field(new FormData($<HTMLFormElement>('[data-testid="chart-window"]')), 'window') === 'week' ? 'week' : 'day';
  const { hours } = await call('Sign-ins', () => api.GET('/api/audit/signins', { params: { query: { window } } }));
  drawChart(hours);
  const body = $<HTMLTableSectionElement>('[data-testid="chart-data"] tbody');
  body.replaceChildren();
  for (const h of [...hours].reverse()) {
    if (h.signins + h.failed + h.throttled === 0) continue;
    cells(body.insertRow(), [h.hour.slice(0, 13).replace('T', ' ') + ':00', String(h.signins), String(h.failed), String(h.throttled)]);
  }
}

/** Stacked bars, one per hour, with hour labels below and the scale's top: an attack shows as a red or orange spike. */
function drawChart(hours: Hour[]): void {
  const svg = $<SVGSVGElement>('[data-testid="chart"]');
  svg.replaceChildren();
  const width = 960;
  const plot = 210; // the bars' height; the labels go below
  const max = Math.max(1, ...hours.map((h) => h.signins + h.failed + h.throttled));
  const slot = width / hours.length;
  const text = (x: number, y: number, content: string, anchor = 'middle') => {
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', String(x));
    label.setAttribute('y', String(y));
    label.setAttribute('font-size', '11');
    label.setAttribute('fill', '#5c677d');
    label.setAttribute('text-anchor', anchor);
    label.textContent = content;
    svg.append(label);
  };
  text(4, 12, `${max} per hour`, 'start');
  const every = hours.length / 6;
  hours.forEach((h, i) => {
    if (i % every === 0) {
      const at = new Date(h.hour);
      const label = hours.length > 24 ? `${at.getUTCMonth() + 1}/${at.getUTCDate()} ${at.getUTCHours()}h` : `${at.getUTCHours()}:00`;
      text(i * slot + slot / 2, plot + 22, label);
    }
    let top = plot;
    for (const [value, colour] of [
      [h.signins, '#2a9d8f'],
      [h.failed, '#e63946'],
      [h.throttled, '#f4a261'],
    ] as const) {
      if (value === 0) continue;
      const bar = document.createElementNS(SVG, 'rect');
      const size = (value / max) * (plot - 20);
      top -= size;
      bar.setAttribute('x', String(i * slot + slot * 0.1));
      bar.setAttribute('width', String(slot * 0.8));
      bar.setAttribute('y', String(top));
      bar.setAttribute('height', String(size));
      bar.setAttribute('fill', colour);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${h.hour}: ${h.signins} sign-ins, ${h.failed} failed, ${h.throttled} throttled`;
      bar.append(title);
      svg.append(bar);
    }
  });
}

for (const radio of document.querySelectorAll<HTMLInputElement>('[data-testid="chart-window"] input')) {
  radio.addEventListener('change', () => act(loadChart));
}

// --- start: a silent refresh with the cookie, if this browser has one -------------------

act(async () => {
  if (await client.refresh()) await enterConsole();
  else signedOutView();
});
