import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig } from '../../server/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has a default for everything, so an empty environment starts the portal', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe(DEFAULT_DATABASE_URL);
    expect(config.databaseIsLocalDefault).toBe(true);
    expect(config.meiliUrl).toBeUndefined();
    expect(config.demoGraves).toBe(50_000);
  });

  it('names the variable when a port is not a number', () => {
    const found = problems({ PORT: 'eighty' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^PORT: .*"eighty"/);
  });

  it('names every wrong variable at once', () => {
    const found = problems({ PORT: '70000', DATABASE_URL: 'mysql://x/y', MEILI_URL: 'not a url', LOG_LEVEL: 'loud', DEMO_GRAVES: '-5' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'DEMO_GRAVES', 'LOG_LEVEL', 'MEILI_URL', 'PORT']);
  });

  it('rejects a short Meilisearch master key', () => {
    expect(problems({ MEILI_MASTER_KEY: 'short' })[0]).toMatch(/^MEILI_MASTER_KEY: must be at least 16 characters/);
  });

  it('treats an empty variable as unset and trims a trailing slash from URLs', () => {
    const config = loadConfig({ PORT: '', MEILI_URL: 'http://127.0.0.1:7700/', DATABASE_URL: 'postgres://u@db:5432/x' });
    expect(config.port).toBe(3000);
    expect(config.meiliUrl).toBe('http://127.0.0.1:7700');
    expect(config.databaseIsLocalDefault).toBe(false);
  });

  it('stops the process with the variable named when started with a bad value', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PORT: ');
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});

describe('map basemap setting', () => {
  it('is off by default and needs the tile placeholders when set', () => {
    expect(loadConfig({}).mapOnlineBasemapUrl).toBeUndefined();
    expect(problems({ MAP_ONLINE_BASEMAP_URL: 'https://tiles.example.org/tile.png' })[0]).toMatch(/^MAP_ONLINE_BASEMAP_URL: must contain/);
    expect(loadConfig({ MAP_ONLINE_BASEMAP_URL: 'https://tiles.example.org/{z}/{x}/{y}.png' }).mapOnlineBasemapUrl).toContain('{z}');
  });
});
