#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { devCommand } from './commands/dev.command.js';
import { migrateCommand } from './commands/migrate.command.js';
import { keyCreateCommand, orgCreateCommand } from './commands/org.command.js';
import { repoAddCommand, repoListCommand, repoRemoveCommand, repoSyncCommand } from './commands/repo.command.js';
import { secretListCommand, secretRemoveCommand, secretSetCommand } from './commands/secret.command.js';
import { sendCommand } from './commands/send.command.js';
import { projectionsRebuildCommand } from './commands/projections.command.js';
import { replayCommand } from './commands/replay.command.js';
import { diffCommand } from './commands/diff.command.js';
import { forkCommand } from './commands/fork.command.js';
import { retentionApplyCommand } from './commands/retention.command.js';
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
  shaman key create <org-slug> [--scope S]… [--env live|test] [--expires-days N] [--role R]
                                      issue an API key (shown once); role OWNER (default),
                                      ADMIN, DEVELOPER or VIEWER
  shaman repo add <org-slug> <name> <url> [--branch B] [--token-env VAR] [--interval S]
                                      add (or update) a git repository of agents (token
                                      read from $VAR, stored encrypted with
                                      SHAMAN_SECRET_KEY), schedule its periodic sync every
                                      S seconds (default 300), print its webhook secret
  shaman repo remove <org-slug> <name>
                                      delete a repository and its periodic sync
  shaman repo sync <org-slug> <name>  fetch the branch now; print commit, agents, errors
  shaman repo list <org-slug>         repositories and their last sync
  shaman secret set <org-slug> <NAME> --value-env VAR
                                      store an organization secret (value read from $VAR,
                                      encrypted), referenced as \${NAME} in definitions
  shaman secret list <org-slug>       secret names (values are never shown)
  shaman secret remove <org-slug> <NAME>
  shaman replay <runId> [--org <slug>] [--verify | --reexecute]
                                      print a run's recording as a timeline and a DAG of
                                      steps (--json: its raw events as JSON Lines); --verify
                                      rebuilds its read models and diffs them with the live
                                      ones; --reexecute runs its agent loop again, answered
                                      from the recording, and reports the first divergence.
                                      --org may be left out when SHAMAN_API_KEY is set
  shaman projections rebuild [--name read-models] [--batch N]
                                      rebuild every read model from the whole event stream
  shaman fork <runId> --at <stepId|event seq> [--org <slug>] [--model M] [--prompt-file F]
                                      start a new run that reuses one step's recording up
                                      to the cut (a step's start, or before an event seq
                                      of replay --json) and goes live from there
  shaman diff <runA> <runB> [--org <slug>]
                                      align two runs and show where they first differ
  shaman retention apply [--org <slug>] [--dry-run] [--export-dir DIR]
                                      export, then delete, the runs past their
                                      organization's retention policy (age, bytes)

Options:
  --json      machine-readable output
  -h, --help  this text
`;

const repoCommand = (config: CliConfig, out: Output, input: { sub?: string; args: string[]; branch?: string; tokenEnv?: string; interval?: string }): Promise<number> | null => {
  const [slug, name, url] = input.args;
  switch (input.sub) {
    case 'add':
      return repoAddCommand(config, out, { slug, name, url, branch: input.branch, tokenEnv: input.tokenEnv, interval: input.interval });
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

const secretCommand = (config: CliConfig, out: Output, input: { sub?: string; args: string[]; valueEnv?: string }): Promise<number> | null => {
  const [slug, name] = input.args;
  switch (input.sub) {
    case 'set':
      return secretSetCommand(config, out, { slug, name, valueEnv: input.valueEnv });
    case 'list':
      return secretListCommand(config, out, { slug });
    case 'remove':
      return secretRemoveCommand(config, out, { slug, name });
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
      'value-env': { type: 'string' },
      role: { type: 'string' },
      interval: { type: 'string' },
      org: { type: 'string' },
      verify: { type: 'boolean', default: false },
      reexecute: { type: 'boolean', default: false },
      batch: { type: 'string' },
      at: { type: 'string' },
      model: { type: 'string' },
      'prompt-file': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'export-dir': { type: 'string' },
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
      return keyCreateCommand(config, out, { slug: args[1], scopes: values.scope ?? [], env: values.env, expiresDays: values['expires-days'], name: values.name, role: values.role });
    case 'repo': {
      const run = repoCommand(config, out, { sub: args[0], args: args.slice(1), branch: values.branch, tokenEnv: values['token-env'], interval: values.interval });
      if (run) return run;
      break;
    }
    case 'secret': {
      const run = secretCommand(config, out, { sub: args[0], args: args.slice(1), valueEnv: values['value-env'] });
      if (run) return run;
      break;
    }
    case 'replay':
      return replayCommand(config, out, { runId: args[0], org: values.org, verify: values.verify, reexecute: values.reexecute });
    case 'fork':
      return forkCommand(config, out, { runId: args[0], at: values.at, org: values.org, model: values.model, promptFile: values['prompt-file'] });
    case 'diff':
      return diffCommand(config, out, { runA: args[0], runB: args[1], org: values.org });
    case 'retention':
      if (args[0] !== 'apply') break;
      return retentionApplyCommand(config, out, { org: values.org, dryRun: values['dry-run'], exportDir: values['export-dir'] });
    case 'projections':
      if (args[0] !== 'rebuild') break;
      return projectionsRebuildCommand(config, out, { name: values.name, batch: values.batch, tty: process.stderr.isTTY === true });
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
