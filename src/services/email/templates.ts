import type { Mail } from './mailer';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const duration = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`;

function mail(to: string, subject: string, lines: string[], link?: { url: string; label: string }): Mail {
  const text = [...lines, ...(link ? ['', link.url] : []), '', '-- auth-api'].join('\n');
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('') +
    (link ? `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>` : '') +
    `<p style="color:#666">-- auth-api</p></body></html>`;
  return { to, subject, text, html };
}

export const templates = {
  passwordReset: (to: string, username: string, url: string, ttlSeconds: number) =>
    mail(
      to,
      'Reset your password',
      [
        `Hello ${username},`,
        `Someone (we hope you) asked to reset the password of your account. The link below works once, for ${duration(ttlSeconds)}.`,
        'If it was not you, ignore this mail: your password stays as it is.',
      ],
      { url, label: 'Choose a new password' },
    ),

  verifyEmail: (to: string, username: string, url: string, ttlSeconds: number) =>
    mail(
      to,
      'Confirm your email address',
      [`Hello ${username},`, `Please confirm that this is your email address. The link works once, for ${duration(ttlSeconds)}.`],
      { url, label: 'Confirm my email address' },
    ),

  confirmEmailChange: (to: string, username: string, url: string, ttlSeconds: number) =>
    mail(
      to,
      'Confirm your new email address',
      [
        `Hello ${username},`,
        `You asked to use this address for your account. The change applies once you open the link below (it works once, for ${duration(ttlSeconds)}).`,
        'If it was not you, ignore this mail: nothing changes.',
      ],
      { url, label: 'Use this email address' },
    ),

  emailChangedNotice: (to: string, username: string, newEmail: string) =>
    mail(to, 'Your email address was changed', [
      `Hello ${username},`,
      `The email address of your account was changed to ${newEmail}.`,
      'If you did not do this, reset your password from the new address or contact an administrator at once.',
    ]),
};
