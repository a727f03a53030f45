import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The first link in the text body. */
  link: string | undefined;
  /** The token in that link's fragment. */
  token: string | undefined;
}

export interface Mailbox {
  url: string;
  received: ReceivedMail[];
  /** Resolves with the first mail to `to` (from now or already received), or fails after `timeoutMs`. */
  waitFor(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** Stops accepting mail: the next ones fail (a down SMTP server). */
  refuse(refusing: boolean): void;
  close(): Promise<void>;
}

/**
 * A real SMTP server in the test process (smtp-server, by nodemailer's author), whose mails
 * are parsed with mailparser: the service talks SMTP to it exactly as to a production relay.
 */
export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const waiters: { to: string; resolve: (mail: ReceivedMail) => void }[] = [];
  let refusing = false;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      callback(refusing ? new Error('mailbox refusing connections') : undefined);
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed: ParsedMail) => {
          const text = parsed.text ?? '';
          const link = /https?:\/\/\S+/.exec(text)?.[0];
          const to = [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''))[0] ?? '';
          const mail: ReceivedMail = {
            to,
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            link,
            token: link ? (new URL(link).hash.match(/token=([\w-]+)/)?.[1] ?? undefined) : undefined,
          };
          received.push(mail);
          for (const waiter of waiters.filter((w) => w.to === to)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(mail);
          }
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor(to, timeoutMs = 5_000) {
      const already = received.find((m) => m.to === to);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          to,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        });
      });
    },
    refuse(value) {
      refusing = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
