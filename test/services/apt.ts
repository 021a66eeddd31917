import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { runOrThrow } from './process.ts';

let updated = false;

/** Installs missing Debian packages without letting their maintainer scripts start distro services. */
export function ensurePackages(packages: string[]): void {
  const missing = packages.filter((name) => !isInstalled(name));
  if (missing.length === 0) return;
  console.log(`  apt-get install ${missing.join(' ')}`);
  // A distro-started server would take the port ours needs; policy-rc.d 101 forbids service starts.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    if (!updated) {
      runOrThrow('apt-get', ['update', '-q']);
      updated = true;
    }
    runOrThrow('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing]);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

function isInstalled(name: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg format string
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}
