import type { Provider } from '@nestjs/common';
import { compilePolicy, loadPolicy } from '@kyodo/policy';
import { CONFIG } from '@kyodo/platform';
import type { KyodoConfig } from '@kyodo/config';

export const POLICY = Symbol('CompiledPolicy');

/** The policy file is loaded and compiled once at start; its version travels on every output. */
export const policyProvider: Provider = {
  provide: POLICY,
  inject: [CONFIG],
  useFactory: (config: KyodoConfig) => compilePolicy(loadPolicy(config.policyFile)),
};
