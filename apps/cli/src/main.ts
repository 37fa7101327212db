#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { devCommand } from './commands/dev.command.js';
import { migrateCommand } from './commands/migrate.command.js';
import { keyCreateCommand, orgCreateCommand } from './commands/org.command.js';
import { repoAddCommand, repoListCommand, repoRemoveCommand, repoSyncCommand } from './commands/repo.command.js';
import { sendCommand } from './commands/send.command.js';
import { loadCliConfig, type CliConfig } from './config.js';
import { createOutput, type Output } from './output.js';

const USAGE = `shaman — agents from git, invoked over A2A, recorded on NATS JetStream

Usage:
  shaman dev [--once]                 migrate, seed the demo org, run all apps in one process
  shaman migrate                      create the database if missing and apply migrations
  shaman send <agent> <text…>         send a message to an agent and print the reply
      [--key sk_…] [--gateway URL]
  shaman org create <slug> --agents <dir> [--name N]
                                      create an organization whose agents live in <dir>
  shaman key create <org-slug> [--scope S]… [--env live|test] [--expires-days N]
                                      issue an API key (shown once)
  shaman repo add <org-slug> <name> <url> [--branch B] [--token-env VAR]
                                      add a git repository of agents (token read from
                                      $VAR, stored encrypted with SHAMAN_SECRET_KEY),
                                      schedule its periodic sync, print its webhook secret
  shaman repo remove <org-slug> <name>
                                      delete a repository and its periodic sync
  shaman repo sync <org-slug> <name>  fetch the branch now; print commit, agents, errors
  shaman repo list <org-slug>         repositories and their last sync

Options:
  --json      machine-readable output
  -h, --help  this text
`;

const repoCommand = (config: CliConfig, out: Output, input: { sub?: string; args: string[]; branch?: string; tokenEnv?: string }): Promise<number> | null => {
  const [slug, name, url] = input.args;
  switch (input.sub) {
    case 'add':
      return repoAddCommand(config, out, { slug, name, url, branch: input.branch, tokenEnv: input.tokenEnv });
    case 'sync':
      return repoSyncCommand(config, out, { slug, name });
    case 'list':
      return repoListCommand(config, out, { slug });
    case 'remove':
      return repoRemoveCommand(config, out, { slug, name });
    case undefined:
    default:
      return null;
  }
};

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      once: { type: 'boolean', default: false },
      key: { type: 'string' },
      gateway: { type: 'string' },
      agents: { type: 'string' },
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      env: { type: 'string' },
      'expires-days': { type: 'string' },
      branch: { type: 'string' },
      'token-env': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const config = loadCliConfig();
  const out = createOutput({ json: values.json, color: process.stdout.isTTY === true && config.NO_COLOR === undefined });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'dev':
      return devCommand(config, out, { once: values.once });
    case 'migrate':
      return migrateCommand(config, out);
    case 'org':
      if (args[0] !== 'create') break;
      return orgCreateCommand(config, out, { slug: args[1], agents: values.agents, name: values.name });
    case 'key':
      if (args[0] !== 'create') break;
      return keyCreateCommand(config, out, { slug: args[1], scopes: values.scope ?? [], env: values.env, expiresDays: values['expires-days'], name: values.name });
    case 'repo': {
      const run = repoCommand(config, out, { sub: args[0], args: args.slice(1), branch: values.branch, tokenEnv: values['token-env'] });
      if (run) return run;
      break;
    }
    case 'send':
      return sendCommand(config, out, { agent: args[0], text: args.slice(1).join(' '), apiKey: values.key, gateway: values.gateway });
    default:
  }
  process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  return 2;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`shaman: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
