/**
 * A real SMTP server for tests (smtp-server), keeping every message it accepted, parsed enough to
 * read: headers (encoded words decoded), the plain-text part, the links in it.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export type ReceivedMail = { to: string[]; raw: string; headers: Map<string, string>; messageId: string; subject: string; text: string; links: string[] };

/** What the server does with a message whose data arrived: accept (250) or leave the sender waiting. */
export type DataHook = (raw: string, accept: () => void, session: SMTPServerSession) => void;

export type TestSmtp = {
  url: string;
  received: ReceivedMail[];
  /** Connections whose message arrived in full, accepted or not. */
  arrived: number;
  onData: DataHook | null;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
};

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split(/\r\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers.set(line.slice(0, at).trim().toLowerCase(), decodeWords(line.slice(at + 1).trim()));
  }
  return headers;
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding?.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding?.toLowerCase() === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

/** The text/plain part of a message (nodemailer sends multipart/alternative with text and HTML). */
function plainText(raw: string, headers: Map<string, string>): string {
  const [, ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  if (!boundary) return decodeBody(body, headers.get('content-transfer-encoding'));
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const partHeaders = parseHeaders(part.slice(0, split).trim());
    if ((partHeaders.get('content-type') ?? '').startsWith('text/plain')) return decodeBody(part.slice(split + 4).replace(/\r\n$/, ''), partHeaders.get('content-transfer-encoding'));
  }
  return '';
}

export function parseMail(raw: string, to: string[]): ReceivedMail {
  const headers = parseHeaders(raw.split('\r\n\r\n')[0]!);
  const text = plainText(raw, headers);
  return { to, raw, headers, messageId: headers.get('message-id') ?? '', subject: headers.get('subject') ?? '', text, links: [...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]) };
}

export async function startSmtp(): Promise<TestSmtp> {
  const state: TestSmtp = {
    url: '',
    received: [],
    arrived: 0,
    onData: null,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (state.received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (state.received.length < count) throw new Error(`expected ${count} messages, the SMTP server has ${state.received.length}`);
      return state.received;
    },
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 5 * 1024 * 1024,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        state.arrived++;
        const to = session.envelope.rcptTo.map((r) => r.address);
        const accept = () => {
          state.received.push(parseMail(raw, to));
          callback();
        };
        if (state.onData) state.onData(raw, accept, session);
        else accept();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  state.url = `smtp://127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
