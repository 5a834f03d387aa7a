import { clusterTuning, tuningText } from '../../server/setup/cluster-tuning.js';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { mostTellingLine } from '../../server/setup/commands.js';
import { chooseCluster, parseClusterList, type LocalCluster } from '../../server/setup/local-cluster.js';
import { failureLine } from '../../server/setup/run-main.js';
import { checkPostgisVersion, checkServerVersion, parseServerVersionNum, postgisPackageFor } from '../../server/setup/server-version.js';
import { SetupError } from '../../server/setup/setup-error.js';
import { MissingToolError, skipUnless } from '../support/required-tool.js';

describe('the PostgreSQL version check', () => {
  it('reads server_version_num as PostgreSQL sends it', () => {
    expect(parseServerVersionNum('150020')).toBe(150020);
  });

  it('refuses a value that is not a version number instead of carrying NaN on', () => {
    expect(() => parseServerVersionNum(undefined)).toThrow(SetupError);
    expect(() => parseServerVersionNum('15.2')).toThrow(/not a version number/);
  });

  it('stops PostgreSQL 14 with the version people write', () => {
    expect(() => checkServerVersion(140010)).toThrow('PostgreSQL 14.10 is too old: the portal needs 15 or newer.');
    expect(() => checkServerVersion(150000)).not.toThrow();
  });

  it('names the PostGIS package of the server major (postgresql-17-postgis-3 for 17.4)', () => {
    expect(postgisPackageFor(170004)).toBe('postgresql-17-postgis-3');
    expect(postgisPackageFor(150020)).toBe('postgresql-15-postgis-3');
  });

  it('refuses PostGIS 2 and a missing PostGIS', () => {
    expect(() => checkPostgisVersion('2.5.5')).toThrow(/PostGIS 2.5.5 is too old/);
    expect(() => checkPostgisVersion(undefined)).toThrow(SetupError);
    expect(() => checkPostgisVersion('3.3.2')).not.toThrow();
  });
});

describe('apt and other commands', () => {
  it("tells apt's last E: line, not its progress", () => {
    const stderr = 'W: Some index files failed\nE: Could not get lock /var/lib/dpkg/lock-frontend\nE: Unable to locate package postgresql-NaN-postgis-3\nN: see above\n';
    expect(mostTellingLine(stderr)).toBe('E: Unable to locate package postgresql-NaN-postgis-3');
  });

  it('falls back to the last line when there is no E: line', () => {
    expect(mostTellingLine('starting\nError: cluster 15/x does not exist\n')).toBe('Error: cluster 15/x does not exist');
  });
});

describe('choosing the local cluster', () => {
  it('takes POSTGRES_CLUSTER as pg_lsclusters names a cluster, and nothing else', () => {
    expect(loadConfig({ POSTGRES_CLUSTER: '15/ci-fresh' }).postgresCluster).toBe('15/ci-fresh');
    expect(loadConfig({}).postgresCluster).toBeUndefined();
    expect(() => loadConfig({ POSTGRES_CLUSTER: 'main' })).toThrow(ConfigError);
  });

  const cluster = (version: string, name: string, port: number): LocalCluster => ({ version, name, port, running: true, owner: 101 });

  it('reads pg_lsclusters --json', () => {
    const json = '[{"version":15,"cluster":"main","port":"5432","running":1,"owneruid":101},{"version":16,"cluster":"fresh","port":"5499","running":0,"owneruid":101}]';
    expect(parseClusterList(json)).toEqual([
      { version: '15', name: 'main', port: 5432, running: true, owner: 101 },
      { version: '16', name: 'fresh', port: 5499, running: false, owner: 101 },
    ]);
  });

  it('takes the named cluster and its port, whatever it is called', () => {
    expect(chooseCluster([cluster('15', 'main', 5432), cluster('15', 'ci', 5433)], '15/ci')).toMatchObject({ name: 'ci', port: 5433 });
  });

  it('with none named takes the one on 5432, else the newest, not a cluster assumed to be called main', () => {
    expect(chooseCluster([cluster('16', 'other', 5433), cluster('15', 'main', 5432)], undefined)).toMatchObject({ name: 'main' });
    expect(chooseCluster([cluster('15', 'old', 5433), cluster('17', 'portal', 5434)], undefined)).toMatchObject({ version: '17', name: 'portal' });
    expect(chooseCluster([], undefined)).toBeUndefined();
  });

  it('names the clusters there are when the named one is not among them', () => {
    expect(() => chooseCluster([cluster('15', 'main', 5432)], '16/main')).toThrow('POSTGRES_CLUSTER=16/main is not a local cluster (pg_lsclusters lists 15/main).');
  });
});

describe('start-up failures', () => {
  it('print a set-up problem as its one line', () => {
    expect(failureLine(new SetupError('PostgreSQL 14.1 is too old: the portal needs 15 or newer.'))).toBe('PostgreSQL 14.1 is too old: the portal needs 15 or newer.');
  });

  it('print any other error as one line, without its stack', () => {
    const error = new TypeError('Cannot read properties of undefined (reading "v")');
    const line = failureLine(error);
    expect(line).toBe('TypeError: Cannot read properties of undefined (reading "v") (LOG_LEVEL=debug shows the stack)');
    expect(line).not.toContain('\n');
  });
});

describe('tests that need a tool', () => {
  it('under CI=true fail the run when it is missing, instead of skipping', () => {
    expect(() => skipUnless(false, 'Chromium (/usr/bin/chromium)', 'run `sudo apt-get install -y chromium`', { CI: 'true' })).toThrow(MissingToolError);
  });

  it('outside CI skip, saying loudly what to install', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(skipUnless(false, 'Chromium (/usr/bin/chromium)', 'run `sudo apt-get install -y chromium`', {})).toBe(true);
      expect(warn.mock.calls[0]?.[0]).toMatch(/SKIPPED: Chromium .* run `sudo apt-get install -y chromium`/);
    } finally {
      warn.mockRestore();
    }
  });

  it('run when it is there, in CI or not', () => {
    expect(skipUnless(true, 'Chromium', 'install it', { CI: 'true' })).toBe(false);
  });
});

describe('the memory settings of a managed cluster', () => {
  const GB = 1024 ** 3;
  it('gives shared buffers a quarter of the memory, at least the default and at most 8 GB', () => {
    expect(clusterTuning(24 * GB).shared_buffers).toBe('6144MB');
    expect(clusterTuning(256 * 1024 ** 2).shared_buffers).toBe('128MB');
    expect(clusterTuning(128 * GB).shared_buffers).toBe('8192MB');
    expect(clusterTuning(24 * GB).effective_cache_size).toBe('12288MB');
    expect(clusterTuning(24 * GB).max_wal_size).toBe('4GB');
    expect(clusterTuning(24 * GB).jit).toBe('off');
  });

  it('writes one setting a line, quoted, under a note saying where it comes from', () => {
    const text = tuningText({ shared_buffers: '6144MB', jit: 'off' });
    expect(text).toMatch(/^# Written by the martyr-grave portal/);
    expect(text.trim().split('\n').slice(-2)).toEqual(["shared_buffers = '6144MB'", "jit = 'off'"]);
  });
});
