/**
 * A local SMTP server that accepts every message and keeps it: in memory (for tests to wait
 * for), and as `.eml` files when a directory is given (for `npm start` without SMTP_URL).
 * Loopback only, no authentication, no TLS. It parses what the platform sends: plain-text
 * messages in UTF-8, quoted-printable or base64, with RFC 2047 encoded headers; for a multipart
 * message the first text/plain part is the text.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Order of arrival, from 1. */
  readonly seq: number;
  readonly receivedAt: number;
  /** The SMTP envelope: who the message was really delivered to. */
  readonly envelope: { readonly from: string | null; readonly to: readonly string[] };
  /** Header values, decoded; keys in lower case (the last one wins for repeated headers). */
  readonly headers: Readonly<Record<string, string>>;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  /** The plain-text body, decoded, with LF line ends. */
  readonly text: string;
  readonly raw: string;
  /** Where the message was written, when the sink has a directory. */
  readonly file: string | null;
}

export interface SmtpSinkOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Loopback by default. */
  readonly host?: string;
  /** When set, each message is written there as a `.eml` file and announced on one line. */
  readonly dir?: string;
  /** Where that line goes; standard output by default. The line never holds an address. */
  readonly log?: (line: string) => void;
}

export interface SmtpSink {
  /** `smtp://host:port`, for nodemailer and SMTP_URL. */
  readonly url: string;
  readonly port: number;
  messages(): ReceivedMail[];
  /** The first message (already received or still to come) that satisfies the predicate. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const dir = options.dir ?? null;
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  if (dir) await mkdir(dir, { recursive: true });

  const received: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();

  /** `raw` holds the message's bytes one character per byte (latin1). */
  async function accept(raw: string, envelope: ReceivedMail['envelope']): Promise<ReceivedMail> {
    const seq = received.length + 1;
    const receivedAt = Date.now();
    const parsed = parseMessage(raw);
    let file: string | null = null;
    if (dir) {
      const stamp = new Date(receivedAt).toISOString().replace(/[:.]/g, '-');
      file = path.join(dir, `${stamp}-${String(seq).padStart(4, '0')}.eml`);
      await writeFile(file, raw, 'latin1');
      log(`smtp-sink: message ${seq} "${parsed.subject}" ${parsed.messageId} -> ${file}`);
    }
    const mail: ReceivedMail = { seq, receivedAt, envelope, file, ...parsed };
    received.push(mail);
    for (const waiter of [...waiters]) waiter(mail);
    return mail;
  }

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onData(stream, session, callback) {
      const chunks: string[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('latin1')));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        };
        accept(chunks.join(''), envelope).then(
          (mail) => callback(null, `Queued as ${mail.seq}`),
          (error: Error) => callback(error),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://${host}:${port}`,
    port,
    messages: () => [...received],
    waitFor(predicate, timeoutMs = 5000) {
      const already = received.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `smtp-sink: no matching message within ${timeoutMs} ms (${received.length} received)`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type ParsedMessage = Pick<
  ReceivedMail,
  'headers' | 'from' | 'to' | 'subject' | 'messageId' | 'text' | 'raw'
>;

/**
 * Parses one RFC 5322 message far enough for the platform's plain-text emails. `raw` holds the
 * message's bytes one character per byte (latin1), as read from the wire.
 */
export function parseMessage(raw: string): ParsedMessage {
  const entity = parseEntity(raw);
  const header = (name: string) => entity.headers[name] ?? '';
  return {
    headers: entity.headers,
    from: header('from'),
    to: header('to'),
    subject: header('subject'),
    messageId: header('message-id'),
    text: textOf(entity) ?? '',
    raw: Buffer.from(raw, 'latin1').toString('utf8'),
  };
}

interface Entity {
  /** Decoded header values. */
  readonly headers: Record<string, string>;
  /** The body as bytes in a latin1 string, before any transfer decoding. */
  readonly body: string;
}

function parseEntity(source: string): Entity {
  const split = /\r?\n\r?\n/.exec(source);
  const head = split ? source.slice(0, split.index) : source;
  const body = split ? source.slice(split.index + split[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8');
    headers[name] = decodeEncodedWords(value);
  }
  return { headers, body };
}

function textOf(entity: Entity): string | null {
  const contentType = parseContentType(entity.headers['content-type'] ?? 'text/plain');
  if (contentType.type.startsWith('multipart/')) {
    const boundary = contentType.params.boundary;
    if (!boundary) return null;
    const delimiter = `--${boundary}`;
    const parts = entity.body.split(delimiter).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break; // the closing delimiter
      const text = textOf(parseEntity(part.replace(/^\r?\n/, '')));
      if (text !== null) return text;
    }
    return null;
  }
  if (contentType.type !== 'text/plain') return null;
  const bytes = decodeTransfer(
    entity.body,
    (entity.headers['content-transfer-encoding'] ?? '7bit').toLowerCase(),
  );
  return decodeCharset(bytes, contentType.params.charset ?? 'utf-8').replace(/\r\n/g, '\n');
}

function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    params[key] = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeTransfer(body: string, encoding: string): Buffer {
  switch (encoding) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.replace(/=\r?\n/g, ''));
    default:
      return Buffer.from(body, 'latin1');
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(new Uint8Array(bytes));
  } catch {
    return bytes.toString('utf8');
  }
}

/** RFC 2047: `=?UTF-8?Q?...?=` and `=?UTF-8?B?...?=`, adjacent words joined without space. */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(word, (_match, charset: string, encoding: string, data: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeCharset(bytes, charset.split('*')[0] ?? charset);
    });
}
