/**
 * The SMTP sink for tests: a loopback server that keeps what it receives, and a nodemailer
 * transport pointed at it.
 */
import type { Transporter } from 'nodemailer';
import { createMailTransport } from '../../infra/clients';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../infra/smtp-sink';

export { startSmtpSink, type ReceivedMail, type SmtpSink };

export interface TestSmtp {
  readonly sink: SmtpSink;
  readonly mailer: Transporter;
  stop(): Promise<void>;
}

/** Starts a sink on a free loopback port and a transport that delivers to it. */
export async function startTestSmtp(options: { dir?: string } = {}): Promise<TestSmtp> {
  const sink = await startSmtpSink({
    ...(options.dir ? { dir: options.dir } : {}),
    log: () => undefined,
  });
  const mailer = createMailTransport(sink.url);
  return {
    sink,
    mailer,
    async stop() {
      mailer.close();
      await sink.stop();
    },
  };
}
