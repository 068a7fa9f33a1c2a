import pkg from '../../package.json';
import { family } from './catalogue.js';
import type { Family } from './prometheus.js';

/**
 * What is running and whether its configuration holds. The commit is BUILD_NUMBER (set it to the
 * commit at deploy: `wrangler deploy --var BUILD_NUMBER:$(git rev-parse --short HEAD)`).
 */
export function buildFamilies(buildNumber: string, configValid: boolean): Family[] {
  return [
    family('scaleflare_build_info', [{ labels: { version: pkg.version, commit: buildNumber || 'unknown' }, value: 1 }]),
    family('scaleflare_config_valid', [{ value: configValid ? 1 : 0 }]),
  ];
}
