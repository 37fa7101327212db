import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

type LockedPackage = { version?: string; engines?: { node?: string } | string[]; optional?: boolean };
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockedPackage> };
const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };

/** The oldest Node the project promises to run on (package.json `engines`), and the one running the suite. */
const floor = semver.minVersion(root.engines.node)!.version;

/*
 * Node 20 is the platform (the machine, the Dockerfile, CI). A dependency that declares a newer Node may use an
 * API that Node 20 lacks on a path no test takes; `npm ci` only warns. So every installed package's declared
 * range must admit Node 20, and a package that does not is pinned below it in package.json `overrides`
 * (docs/operations.md says which and why).
 */
describe('every locked dependency supports the Node the project runs on', () => {
  const declared = Object.entries(lock.packages).flatMap(([path, pkg]) =>
    path !== '' && pkg.engines !== undefined && !Array.isArray(pkg.engines) && pkg.engines.node !== undefined ? [{ path, version: pkg.version, range: pkg.engines.node }] : [],
  );

  it('reads the engines of the locked packages', () => {
    expect(declared.length).toBeGreaterThan(100);
  });

  for (const version of [floor, process.versions.node]) {
    it(`admits Node ${version}`, () => {
      const refusing = declared.filter((p) => !semver.satisfies(version, p.range, { includePrerelease: true })).map((p) => `${p.path}@${p.version} wants node ${p.range}`);
      expect(refusing).toEqual([]);
    });
  }
});
