// The pages that the links in mails open (reset-password, verify-email, confirm-email). The
// token comes in the URL fragment, which browsers never send to a server or in a Referer, and
// is posted to the API only when the person acts on the page: a mail scanner that follows
// links uses up nothing.

const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
const page = document.body.dataset.page ?? '';
const result = document.querySelector<HTMLElement>('[data-testid="result"]')!;

async function post(path: string, body: object): Promise<void> {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const reply = (await res.json().catch(() => ({}))) as { message?: string };
  result.textContent = reply.message ?? `${res.status} ${res.statusText}`;
  result.className = res.ok ? 'ok' : 'error';
}

if (token === '') {
  result.textContent = 'This page needs the link from the mail (it carries a token).';
  result.className = 'error';
} else if (page === 'reset-password') {
  document.querySelector<HTMLFormElement>('[data-testid="reset-form"]')!.addEventListener('submit', (event) => {
    event.preventDefault();
    const password = new FormData(event.currentTarget as HTMLFormElement).get('password');
    void post('/api/auth/reset-password', { token, password });
  });
} else {
  const path = page === 'verify-email' ? '/api/auth/verify-email' : '/api/auth/confirm-email';
  document.querySelector('[data-testid="confirm"]')!.addEventListener('click', () => void post(path, { token }));
}
