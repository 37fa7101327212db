import { describe, expect, it } from 'vitest';
import { allowedTools, referencedServers } from './allowed-tools.js';

const available = ['github.create_issue', 'github.list_issues', 'files.read', 'files.write', 'files.tree.list'];

describe('allowedTools', () => {
  it('keeps the tools named exactly', () => {
    expect(allowedTools(['files.read', 'github.create_issue', 'run_data_write'], available)).toEqual(['github.create_issue', 'files.read']);
  });

  it('expands <server>.* to every tool of that server only', () => {
    expect(allowedTools(['files.*'], available)).toEqual(['files.read', 'files.write', 'files.tree.list']);
  });

  it('ignores names that are not available and bare wildcards', () => {
    expect(allowedTools(['github.delete_repo', '*', '.*', 'git.*'], available)).toEqual([]);
  });
});

describe('referencedServers', () => {
  it('lists only the servers the agent names a tool of', () => {
    expect(referencedServers(['files.read', 'github.*', 'call_agent'], ['github', 'files', 'slack'])).toEqual(['github', 'files']);
  });
});
