import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';
import type { TestOrigin } from './git-origin.js';

/** A test origin served over smart HTTP, as a git host serves it, behind a token. */
export type HttpOrigin = {
  /** `http://127.0.0.1:<port>/<repo>`: what a repository's `url` would be. */
  url: string;
  /** The command line of every git process on this machine while a request was being served (what `ps` showed). */
  commandLines: string[];
  close(): Promise<void>;
};

/** Every running git process's argv, joined: the view another local user gets from `ps`. */
const gitCommandLines = async (): Promise<string[]> => {
  const lines: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').then((raw) => raw.split('\0').join(' ').trim(), () => '');
    if (/(^|\/)git(-remote-https?)?( |$)|remote-https?/.test(line)) lines.push(line);
  }
  return lines;
};

/** Runs git's own CGI (`git http-backend`) for one request and relays its answer. */
const relayToHttpBackend = (input: { root: string; req: IncomingMessage; res: ServerResponse }): void => {
  const { req, res } = input;
  const url = new URL(req.url ?? '/', 'http://origin');
  const child = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: input.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: 'x-access-token',
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.on('close', () => {
    const out = Buffer.concat(chunks);
    const end = out.indexOf('\r\n\r\n');
    const head = out.subarray(0, end).toString('utf8').split('\r\n');
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head) {
      const [name, ...value] = line.split(':');
      if (!name) continue;
      if (name.toLowerCase() === 'status') status = Number.parseInt(value.join(':').trim(), 10);
      else headers[name] = value.join(':').trim();
    }
    res.writeHead(status, headers).end(out.subarray(end + 4));
  });
};

/**
 * Serves `origin` over HTTP on 127.0.0.1, answering only requests with HTTP basic auth `x-access-token:<token>`
 * (401 with a challenge otherwise, so git asks for credentials), and notes the command lines of the git processes
 * running while it serves: a fetching client is one of them.
 */
export const serveOriginOverHttp = async (origin: TestOrigin, options: { token: string }): Promise<HttpOrigin> => {
  const commandLines: string[] = [];
  const expected = `Basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`;
  const server = createServer((req, res) => {
    void gitCommandLines().then((lines) => {
      commandLines.push(...lines);
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="agents"' }).end();
        return;
      }
      relayToHttpBackend({ root: dirname(origin.dir), req, res });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${basename(origin.dir)}`,
    commandLines,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
