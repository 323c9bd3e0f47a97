import { createRequire } from 'node:module';
import type { Kysely, Transaction } from 'kysely';
import type { Transporter } from 'nodemailer';
import type { DB } from '../../db/schema.ts';
import { insertOutboxMessage, markFailed, markSent } from './mail.repository.ts';

/** One email to send. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  lang: 'fr' | 'en';
  /** What the email is about (order_confirmation, account_confirmation...): filters the outbox. */
  kind: string;
}

/** Sends email: always recorded in the outbox; delivered over SMTP when SMTP_URL is configured. */
export interface Mailer {
  send(msg: MailMessage): Promise<{ id: number; delivered: boolean }>;
  /**
   * Several emails at once (a checkout's confirmation and its merchants' new-order emails): all
   * recorded in the outbox in one transaction (one commit: on SQLite each is an fsync holding the
   * event loop), in the given order, then delivered one by one as `send` does.
   */
  sendAll(msgs: MailMessage[]): Promise<{ id: number; delivered: boolean }[]>;
  close(): void;
}

/** A mailer over the database's outbox and, when `smtpUrl` is set, an SMTP transport. */
export function createMailer(db: Kysely<DB>, opts: { smtpUrl?: string; from: string }): Mailer {
  const transport: Transporter | undefined = opts.smtpUrl
    ? // Required only when SMTP is configured: not by every server start (≈ 0.16 s of CPU; issue 19).
      (createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer')).createTransport(
        opts.smtpUrl,
      )
    : undefined;
  const record = (d: Kysely<DB> | Transaction<DB>, msg: MailMessage) =>
    insertOutboxMessage(d, {
      to_address: msg.to,
      subject: msg.subject,
      text_body: msg.text,
      html_body: msg.html ?? null,
      lang: msg.lang,
      kind: msg.kind,
    });
  /** Delivers a message recorded as `id` over SMTP (when configured), marking it sent or failed. */
  const deliver = async (id: number, msg: MailMessage) => {
    if (!transport) return { id, delivered: false };
    try {
      await transport.sendMail({
        from: opts.from,
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        headers: { 'Content-Language': msg.lang === 'fr' ? 'fr-CA' : 'en-CA' },
      });
      await markSent(db, id, new Date().toISOString());
      return { id, delivered: true };
    } catch (err) {
      // The message stays in the outbox with its error so an operator can see and resend it.
      await markFailed(db, id, String((err as Error).message).slice(0, 500));
      return { id, delivered: false };
    }
  };
  return {
    async send(msg) {
      return deliver(await record(db, msg), msg);
    },
    async sendAll(msgs) {
      if (!msgs.length) return [];
      const ids =
        msgs.length === 1
          ? [await record(db, msgs[0]!)]
          : await db.transaction().execute(async (trx) => {
              const out: number[] = [];
              for (const m of msgs) out.push(await record(trx, m));
              return out;
            });
      const sent: { id: number; delivered: boolean }[] = [];
      for (const [i, m] of msgs.entries()) sent.push(await deliver(ids[i]!, m));
      return sent;
    },
    close() {
      transport?.close();
    },
  };
}
