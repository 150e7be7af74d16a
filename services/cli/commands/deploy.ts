import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { deployDir, deployGrants, renderDeployFiles } from '../../../libs/deploy-manifests';

export function register(program: Command): void {
  const deploy = program.command('deploy').description('deployment files (deploy/k8s, deploy/compose) generated from the principals, topics and ACLs of the secure profile');
  deploy
    .command('generate')
    .description('write every generated file under deploy/ from deploy/agreements; --check only compares (exit 3 if any differs)')
    .option('--check', 'compare instead of writing')
    .action(async (o: { check?: boolean }) => {
      const files = renderDeployFiles(await deployGrants());
      const stale: string[] = [];
      for (const [rel, text] of Object.entries(files)) {
        const file = path.join(deployDir(), rel);
        const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
        if (now === text) continue;
        stale.push(rel);
        if (!o.check) {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, text, { mode: rel.endsWith('.sh') ? 0o755 : 0o644 });
        }
      }
      process.stdout.write(stale.length === 0 ? 'deploy/ is up to date\n' : `${o.check ? 'out of date' : 'written'}: ${stale.join(', ')}\n`);
      if (o.check && stale.length > 0) process.exitCode = 3;
    });
}
