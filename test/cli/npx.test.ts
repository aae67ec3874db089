import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../support/environment';

// The contract's command line is `npx kyodo <command>` after the README's set-up.
describe('npx kyodo', () => {
  it('runs the command line through the package bin', () => {
    const help = execFileSync('npx', ['--no-install', 'kyodo', '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(help).toMatch(/^Usage: kyodo/);
    for (const command of ['infra', 'registry', 'run', 'demo', 'policy', 'audit', 'disclosures', 'apikey']) {
      expect(help).toContain(`  ${command}`);
    }
  });

  it('exits non-zero with the reason on a bad command', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(
        'npx',
        ['--no-install', 'kyodo', 'policy', 'explain', '--type', 'weather', '--party', 'retailer'],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toContain('unknown event type "weather"');
  });
});
