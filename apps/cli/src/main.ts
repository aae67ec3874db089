import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '@kyodo/config';
import { CliContext } from './context';
import { registerApiKeyCommands } from './apikey.command';
import { registerAuditCommands } from './audit.command';
import { registerDemoCommand } from './demo/demo.command';
import { registerDisclosuresCommand } from './disclosures.command';
import { registerDlqCommands } from './dlq/dlq.command';
import { registerGenerateCommand } from './generate.command';
import { registerInfraCommands } from './infra.command';
import { registerPolicyCommands } from './policy.command';
import { registerRegistryCommands } from './registry.command';
import { registerRunCommand } from './run.command';
import { registerStatusCommand } from './status.command';
import { registerSubjectCommands } from './subject.command';
import { registerAuditReportCommand } from './audit-report.command';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('kyodo')
    .description('Kyodo: policy-driven, audited sharing of electricity customer data between operators')
    .showHelpAfterError()
    .exitOverride();
  registerInfraCommands(program, ctx);
  registerRegistryCommands(program, ctx);
  registerRunCommand(program, ctx);
  registerPolicyCommands(program, ctx);
  registerDemoCommand(program, ctx);
  registerAuditCommands(program, ctx);
  registerDisclosuresCommand(program, ctx);
  registerApiKeyCommands(program, ctx);
  registerStatusCommand(program, ctx);
  registerDlqCommands(program, ctx);
  registerGenerateCommand(program, ctx);
  registerSubjectCommands(program, ctx);
  registerAuditReportCommand(program, ctx);
  return program;
}

async function main(argv: string[]): Promise<number> {
  let ctx: CliContext;
  try {
    ctx = new CliContext(loadConfig());
  } catch (error) {
    process.stderr.write(`kyodo: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    await buildProgram(ctx).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`kyodo: ${(error as Error).message}\n`);
    return 1;
  }
}

/** Runs the command line and exits with its status (`bin/kyodo.js` calls this). */
export function runCli(argv: string[] = process.argv): void {
  main(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`kyodo: ${String(error)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
