import nodemailer from 'nodemailer';
import type { Logger } from '../../config/logger';
import { AppError } from '../../utils/app-error';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Resolves once the SMTP server accepted the mail; a 503 MAIL_UNAVAILABLE otherwise. */
  send(mail: Mail): Promise<void>;
}

export const mailUnavailable = () =>
  new AppError(503, 'MAIL_UNAVAILABLE', 'The email could not be sent; please try again later.', {}, { 'Retry-After': '30' });

/**
 * nodemailer over `SMTP_URL` (smtp:// or smtps://, credentials in the URL). One pooled
 * transport for the process; every stage of the SMTP conversation has a deadline, so a dead
 * server makes a request fail in seconds, not hang.
 */
export function createSmtpMailer(options: { url: string; from: string; timeoutMs: number; logger: Logger }): Mailer {
  // nodemailer reads transport options from the URL's query; the URL's own win.
  const url = new URL(options.url);
  for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(options.timeoutMs));
  }
  const transport = nodemailer.createTransport(url.toString(), { from: options.from });
  return {
    async send(mail) {
      try {
        await transport.sendMail(mail);
      } catch (err) {
        // The recipient, never the body: it holds a token.
        options.logger.error({ err: err instanceof Error ? err.message : String(err), to: mail.to, subject: mail.subject }, 'mail not sent');
        throw mailUnavailable();
      }
    },
  };
}

/**
 * Development without an SMTP server: the mail is written to stdout in a readable form, so
 * that `npm start` alone shows the whole flow (the link can be clicked in a terminal). Never
 * in production: configuration requires SMTP_URL there whenever mails matter, and this
 * mailer is not built with NODE_ENV=production.
 */
export function createConsoleMailer(write: (text: string) => void): Mailer {
  return {
    send(mail) {
      const rule = '-'.repeat(72);
      write(`\n${rule}\nmail (no SMTP_URL set; printed instead of sent)\nTo: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}\n${rule}\n`);
      return Promise.resolve();
    },
  };
}

/** Production without SMTP_URL: every mail is a 503, and the operator was warned at start-up. */
export function createDisabledMailer(): Mailer {
  return { send: () => Promise.reject(mailUnavailable()) };
}
