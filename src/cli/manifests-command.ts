import path from 'node:path';
import type { Command } from 'commander';
import { updateManifests } from '../manifests/update-manifests';
import { loadRulebookFile } from '../rules/load-rulebook';

/** `manifests --rules FILE`: the SFDX project follows the rulebook (see update-manifests.ts). */
export function addManifestsCommand(
  program: Command,
  run: (action: () => Promise<void> | void) => Promise<void>,
): void {
  program
    .command('manifests')
    .description(
      'Update manifests/ from a rulebook (flag picklist values and labels, remapped fields); deploy it with sf project deploy start',
    )
    .requiredOption('--rules <path>', 'the rulebook (YAML)')
    .option('--dir <path>', 'the manifests project to update', 'manifests')
    .action((opts: { rules: string; dir: string }) =>
      run(() => {
        const rulebook = loadRulebookFile(opts.rules);
        const changes = updateManifests(path.resolve(opts.dir), rulebook);
        const out = process.stdout;
        if (changes.written.length === 0) {
          out.write(`${opts.dir} already matches ${opts.rules}\n`);
          return;
        }
        if (changes.added.length) out.write(`Flag codes added: ${changes.added.join(', ')}\n`);
        if (changes.removed.length) out.write(`Flag codes removed: ${changes.removed.join(', ')}\n`);
        for (const r of changes.renamed) out.write(`Field renamed: ${r}\n`);
        out.write(
          `Updated ${changes.written.length} file(s):\n${changes.written.map((f) => `  ${f}`).join('\n')}\n`,
        );
        out.write(`Deploy: (cd ${opts.dir} && sf project deploy start --target-org <alias>)\n`);
      }),
    );
}
