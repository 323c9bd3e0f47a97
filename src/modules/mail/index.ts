/** Mail: every email is recorded in the outbox (table `outbox`, owned here), then sent over SMTP. */
export {
  /** A mailer over the database's outbox and, when `smtpUrl` is set, an SMTP transport. */
  createMailer,
  /** Sends email: always recorded in the outbox; delivered over SMTP when configured. */
  type Mailer,
  /** One email to send. */
  type MailMessage,
} from './mailer.service.ts';
