import * as path from 'path';
import { Command } from 'commander';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { Ministry, MINISTRIES } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { loadSigningKey, PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from './agreementPolicy';
import { loadAgreementHistories } from './agreementHistories';
import { ApplyConsumer } from './applyConsumer';
import { HistoryFollower } from './historyFollower';

export interface ApplyConsumerCliOptions {
  receiver: string;
  provider: string;
  agreements: string;
  topicPrefix?: string;
  dbUrl?: string;
  deletionRecordTopic?: string;
}

function ministry(flag: string, v: string): Ministry {
  if (!(MINISTRIES as readonly string[]).includes(v)) throw new Error(`--${flag} must be cand or qdnd, got "${v}"`);
  return v as Ministry;
}

/**
 * One consumer per agreement that has ever had a version confirmed for this provider and receiver. The
 * history decides, event by event, which version is in force; none in force means withheld.
 */
export async function createApplyConsumers(opts: ApplyConsumerCliOptions): Promise<ApplyConsumer[]> {
  return (await createApplyConsumerSet(opts)).consumers;
}

/**
 * The consumers with what keeps their policies on the newest history of the folder (the follower is
 * started by runApplyConsumers, or by the caller).
 */
export async function createApplyConsumerSet(opts: ApplyConsumerCliOptions): Promise<{ consumers: ApplyConsumer[]; follower: HistoryFollower }> {
  const receiver = ministry('receiver', opts.receiver);
  const provider = ministry('provider', opts.provider);
  const config = loadConfig();
  const contracts = loadContracts();
  const dir = path.resolve(opts.agreements);
  const states = await loadAgreementHistories(dir, config.keysDir, contracts);
  const keys = PublicKeyRing.fromDir(config.keysDir);
  // Deletion records are signed by the receiving ministry with its own key (THAHS_SIGNING_KEY_PEM or the keys folder).
  const receiverKey = loadSigningKey(config.keysDir, receiver);
  const consumers: ApplyConsumer[] = [];
  const policies: AgreementPolicy[] = [];
  for (const state of states) {
    const policy = new AgreementPolicy(state, receiver, contracts);
    const entities = policy.sharedEntities();
    if (policy.provider() !== provider || entities.length === 0) continue;
    policies.push(policy);
    consumers.push(
      new ApplyConsumer({
        receiver,
        provider,
        agreementId: state.agreementId,
        entities,
        policy,
        contracts,
        providerKeys: keys,
        pgUrl: opts.dbUrl ?? (receiver === 'cand' ? config.candPgUrl : config.qdndPgUrl),
        kafkaBrokers: config.kafkaBrokers,
        fetchWaitMs: config.applyFetchWaitMs,
        stallMs: config.applyStallSec * 1000,
        watermarkAllowanceMs: config.applyWatermarkAllowanceSec * 1000,
        registryUrl: config.registryUrl,
        log: createLogger(`apply-consumer-${receiver}`, config.logLevel),
        partnerSchema: policy.partnerSchema(),
        topicPrefix: opts.topicPrefix,
        enforcement: { state: () => policy.current, signingKey: receiverKey, topic: opts.deletionRecordTopic },
      }),
    );
  }
  if (consumers.length === 0) {
    throw new Error(`no agreement with a confirmed version for ${provider} → ${receiver} in ${dir} (signed histories *.events.json[l]); nothing may be applied`);
  }
  const byAgreement = new Map(consumers.map((c, i) => [policies[i].agreementId, c]));
  const follower = new HistoryFollower({
    read: () => loadAgreementHistories(dir, config.keysDir, contracts),
    policies,
    log: createLogger(`apply-consumer-${receiver}`, config.logLevel),
    // A termination, a narrowing: what it makes due is done at once, not at the next enforcement interval.
    changed: (id) => byAgreement.get(id)?.enforceNow() ?? Promise.resolve(),
  });
  return { consumers, follower };
}

/** Runs the consumers until SIGINT/SIGTERM, then stops them after their batch in progress is committed. */
export async function runApplyConsumers(opts: ApplyConsumerCliOptions): Promise<void> {
  const { consumers, follower } = await createApplyConsumerSet(opts);
  const done = new Promise<void>((resolve) => {
    const stop = (): void => {
      follower.stop();
      void Promise.allSettled(consumers.map((c) => c.stop())).then(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    for (const c of consumers) await c.start();
    follower.start();
  } catch (err) {
    // One agreement failing to start stops them all: a half-running set would look healthy and not be.
    await Promise.allSettled(consumers.map((c) => c.stop()));
    throw err;
  }
  await done;
}

export function registerApplyConsumerCommand(program: Command): void {
  program
    .command('apply-consumer')
    .description("apply a provider's signed events to the receiver's partner store under the agreements in force (runs until SIGINT/SIGTERM)")
    .requiredOption('--receiver <ministry>', 'cand | qdnd: the ministry whose database receives')
    .requiredOption('--provider <ministry>', 'cand | qdnd: the ministry whose events are applied')
    .option('--agreements <dir>', 'folder of signed agreement histories (*.events.json or *.events.jsonl)', 'deploy/agreements')
    .option('--topic-prefix <prefix>', 'topic prefix (default thahs)')
    .option('--db-url <url>', "receiver's database (default: THAHS_<RECEIVER>_PG_URL)")
    .option('--deletion-record-topic <topic>', 'topic the signed deletion records are sent to (default <prefix>.deletion-records)')
    .action((o: ApplyConsumerCliOptions) => runApplyConsumers(o));
}
