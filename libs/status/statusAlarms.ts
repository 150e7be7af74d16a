import type { MetricSample } from '../ops/prometheusText';
import type { Alarm, ExchangeStatus, MinistryView } from './statusModel';

/** When a figure becomes an alarm. Defaults suit the local stack; a deployment sets its own. */
export interface AlarmThresholds {
  /** Consumer lag (events) that is worth a warning while the consumer runs. */
  lagWarn: number;
  /** Slot lag (bytes): warning, then critical (the clusters cap retained WAL at max_slot_wal_keep_size, 10 GB locally). */
  slotLagWarnBytes: number;
  slotLagCriticalBytes: number;
}

export const DEFAULT_THRESHOLDS: AlarmThresholds = { lagWarn: 10_000, slotLagWarnBytes: 256 * 2 ** 20, slotLagCriticalBytes: 2 * 2 ** 30 };

/** Metrics the main job exposes for stalls and gaps (issue 14 adds them): any such sample above 0 is an alarm. */
const STALL_OR_GAP = /^thahs_[a-z0-9_]*(stall|gap)[a-z0-9_]*$/;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function ministryAlarms(m: MinistryView, t: AlarmThresholds, jobUp: boolean): Alarm[] {
  const out: Alarm[] = [];
  const ministry = m.ministry;
  if (!m.database.up) {
    out.push({
      severity: 'critical',
      code: 'database-down',
      ministry,
      message: `the ${ministry} database does not answer (${m.database.error ?? 'no answer'})`,
      hint: `thahs stack status; thahs stack logs ${ministry}`,
    });
    return out;
  }
  const providing = m.agreements.filter((a) => a.role === 'provider' && (a.status === 'active' || a.status === 'suspended'));
  const s = m.slot;
  if (s && s.exists) {
    if (s.walStatus === 'lost' || s.walStatus === 'unreserved') {
      out.push({
        severity: 'critical',
        code: 'slot-wal-lost',
        ministry,
        message: `replication slot ${s.name}: WAL ${s.walStatus} (max_slot_wal_keep_size reached)`,
        hint: 'drop the slot and restart the producer, which re-snapshots (docs/operations.md)',
      });
    }
    if (s.lagBytes !== null && s.lagBytes >= t.slotLagCriticalBytes)
      out.push({
        severity: 'critical',
        code: 'slot-lag',
        ministry,
        message: `replication slot ${s.name} is ${mib(s.lagBytes)} behind`,
        hint: 'is the producer running and Kafka up? thahs status --ministry ' + ministry,
      });
    else if (s.lagBytes !== null && s.lagBytes >= t.slotLagWarnBytes)
      out.push({ severity: 'warning', code: 'slot-lag', ministry, message: `replication slot ${s.name} is ${mib(s.lagBytes)} behind` });
    if (!s.active && providing.length > 0 && jobUp)
      out.push({
        severity: 'warning',
        code: 'slot-inactive',
        ministry,
        message: `replication slot ${s.name} has no producer attached`,
        hint: 'the producer of the main job is not streaming: see /health and the job log',
      });
  } else if (s && !s.exists && providing.length > 0) {
    out.push({ severity: 'warning', code: 'slot-missing', ministry, message: `no replication slot ${s.name}: the ${ministry} producer has not started here yet` });
  }
  for (const a of m.agreements) {
    const c = a.consumer;
    if (c) {
      const inForce = a.status === 'active' || a.status === 'suspended';
      if (c.deadLetters.total > 0) {
        const reasons = Object.entries(c.deadLetters.byReason)
          .map(([r, n]) => `${r} ${n}`)
          .join(', ');
        out.push({
          severity: 'critical',
          code: 'dead-letters',
          ministry,
          agreementId: a.agreementId,
          message: `${c.deadLetters.total} dead letter(s) of ${a.agreementId} wait for a decision (${reasons})`,
          hint: `thahs dlq list --receiver ${ministry} --agreement ${a.agreementId}`,
        });
      }
      if (inForce && c.state !== 'unknown' && c.members === 0 && c.totalLag > 0) {
        out.push({
          severity: 'critical',
          code: 'consumer-absent',
          ministry,
          agreementId: a.agreementId,
          message: `no consumer is applying ${a.agreementId} (group ${c.group}, ${c.totalLag} events waiting)`,
          hint: 'start the main job (npm start) or thahs apply-consumer; thahs offsets show --agreement ' + a.agreementId + ' --receiver ' + ministry,
        });
      } else if (c.totalLag >= t.lagWarn) {
        out.push({
          severity: 'warning',
          code: 'consumer-lag',
          ministry,
          agreementId: a.agreementId,
          message: `consumer of ${a.agreementId} is ${c.totalLag} events behind`,
          hint: 'docs/operations.md: consumer lag growing',
        });
      }
      if (inForce && c.missingTopics.length > 0) {
        out.push({
          severity: 'warning',
          code: 'topics-missing',
          ministry,
          agreementId: a.agreementId,
          message: `${c.missingTopics.length} topic(s) of ${a.agreementId} do not exist yet (the provider has not published them)`,
        });
      }
    }
    const r = a.reconciliation;
    if (r && r.present && r.status === 'differences') {
      out.push({
        severity: 'critical',
        code: 'reconcile-differences',
        ministry,
        agreementId: a.agreementId,
        message: `the last reconciliation of ${a.agreementId} (run ${r.runId}) found ${(r.missing ?? 0) + (r.extra ?? 0) + (r.different ?? 0)} difference(s)`,
        hint: `thahs reconcile --agreement ${a.agreementId} --repair`,
      });
    } else if (r && r.present && r.status === 'failed') {
      out.push({
        severity: 'warning',
        code: 'reconcile-failed',
        ministry,
        agreementId: a.agreementId,
        message: `the last reconciliation of ${a.agreementId} (run ${r.runId}) failed`,
      });
    }
  }
  return out;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const e = Object.entries(labels);
  return e.length ? `{${e.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
}

/** A replication slot found lost and recovered by re-snapshot: deletes made meanwhile need reconcile. */
function slotLossAlarms(samples: readonly MetricSample[]): Alarm[] {
  return samples
    .filter((s) => s.name === 'thahs_cdc_slots_lost_total' && s.value > 0)
    .map((s) => ({
      severity: 'critical' as const,
      code: 'slot-lost',
      ministry: s.labels.ministry === 'cand' || s.labels.ministry === 'qdnd' ? s.labels.ministry : undefined,
      message: `replication slot ${s.labels.slot ?? ''} was lost ${s.value} time(s): its tables were re-snapshotted, rows deleted meanwhile are not`,
      hint: 'thahs reconcile (docs/reconciliation.md); restart the main job to clear the alarm',
    }));
}

/** The provider's source moved to another cluster (restore): its re-snapshot applies over the old rows; deletes in between need reconcile. */
function sourceEpochAlarms(samples: readonly MetricSample[]): Alarm[] {
  return samples
    .filter((s) => s.name === 'thahs_apply_source_epoch_changes_total' && s.value > 0)
    .map((s) => ({
      severity: 'critical' as const,
      code: 'source-epoch-changed',
      ministry: s.labels.receiver === 'cand' || s.labels.receiver === 'qdnd' ? s.labels.receiver : undefined,
      agreementId: s.labels.agreement,
      message: `the events of ${s.labels.provider ?? 'the provider'} under ${s.labels.agreement ?? 'an agreement'} come from another source cluster (${s.value} change(s) of epoch): they now supersede every earlier change`,
      hint: 'confirm the provider restored or moved its database; once its re-snapshot is applied, thahs reconcile --repair (docs/reconciliation.md); restart the main job to clear the alarm',
    }));
}

/** A provider key file an amendment binds to another public key (issue 14, item 12): its events are refused. */
function keyBindingAlarms(samples: readonly MetricSample[]): Alarm[] {
  return samples
    .filter((s) => s.name === 'thahs_apply_keys_unbound' && s.value > 0)
    .map((s) => ({
      severity: 'critical' as const,
      code: 'key-unbound',
      ministry: s.labels.receiver === 'cand' || s.labels.receiver === 'qdnd' ? s.labels.receiver : undefined,
      agreementId: s.labels.agreement,
      message: `${s.value} provider key file(s) of ${s.labels.agreement ?? 'an agreement'} no longer match the SHA-256 the agreement binds to their id: their events are refused`,
      hint: 'install the public key the agreement names (thahs agreement show), restart the consumer, then thahs dlq retry; docs/operations.md: a key rotated',
    }));
}

/** No valid signed watermark of the provider for longer than its bound: the platform may withhold everything (issue 14, defect 6). */
function watermarkAlarms(samples: readonly MetricSample[]): Alarm[] {
  const same = (a: MetricSample, b: MetricSample): boolean =>
    a.labels.receiver === b.labels.receiver && a.labels.provider === b.labels.provider && a.labels.agreement === b.labels.agreement;
  return samples
    .filter((s) => s.name === 'thahs_apply_watermark_missing' && s.value > 0)
    .map((s) => {
      const age = samples.find((a) => a.name === 'thahs_apply_watermark_age_seconds' && same(a, s))?.value;
      return {
        severity: 'critical' as const,
        code: 'watermark-missing',
        ministry: s.labels.receiver === 'cand' || s.labels.receiver === 'qdnd' ? s.labels.receiver : undefined,
        agreementId: s.labels.agreement,
        message: `no signed watermark ${age === undefined ? '' : `for ${age} s `}from ${s.labels.provider ?? 'the provider'} under ${s.labels.agreement ?? 'an agreement'}: events withheld now would go unnoticed`,
        hint: "is the provider's producer running? Otherwise the platform withholds them: docs/operations.md, no signed watermark",
      };
    });
}

/** Alarms the main job raises itself: lost slots, stalled partitions, gaps (any sample of a thahs_ metric naming a stall or a gap, above 0), silent watermarks. */
export function metricAlarms(samples: readonly MetricSample[]): Alarm[] {
  return [...stallAndGapAlarms(samples), ...slotLossAlarms(samples), ...sourceEpochAlarms(samples), ...watermarkAlarms(samples), ...keyBindingAlarms(samples)];
}

function stallAndGapAlarms(samples: readonly MetricSample[]): Alarm[] {
  return samples
    .filter((s) => STALL_OR_GAP.test(s.name) && s.value > 0 && !/_(bucket|sum|count|created)$/.test(s.name))
    .map((s) => {
      const who = s.labels.receiver ?? s.labels.ministry;
      return {
        severity: 'critical' as const,
        code: s.name.includes('gap') ? 'gap' : 'stalled',
        ministry: who === 'cand' || who === 'qdnd' ? who : undefined,
        agreementId: s.labels.agreement,
        message: `${s.name}${labelText(s.labels)} = ${s.value}`,
        hint: s.name.includes('gap') ? 'docs/operations.md: events missing (a gap)' : 'docs/operations.md: a partition stalled',
      };
    });
}

/** Every alarm of a gathered status, most severe first. Pure: the same status always gives the same alarms. */
export function deriveAlarms(status: Omit<ExchangeStatus, 'alarms' | 'healthy' | 'exitCode'>, metrics: readonly MetricSample[], t: AlarmThresholds = DEFAULT_THRESHOLDS): Alarm[] {
  const out: Alarm[] = [];
  const { kafka, registry, mainJob } = status.servers;
  if (!kafka.up)
    out.push({
      severity: 'critical',
      code: 'kafka-down',
      message: `Kafka does not answer at ${kafka.endpoint} (${kafka.error ?? 'no answer'})`,
      hint: 'thahs stack status; thahs stack logs kafka',
    });
  if (!registry.up)
    out.push({
      severity: 'critical',
      code: 'registry-down',
      message: `the schema registry does not answer at ${registry.endpoint} (${registry.error ?? 'no answer'})`,
      hint: 'thahs stack logs registry',
    });
  if (!mainJob.up)
    out.push({
      severity: 'warning',
      code: 'main-job-unreachable',
      message: `the main job does not answer at ${mainJob.endpoint}: producer rate, withheld counts and its own alarms are unknown`,
      hint: 'npm start',
    });
  for (const [name, state] of Object.entries(mainJob.services)) {
    if (state === 'down')
      out.push({ severity: 'critical', code: 'service-down', message: `service ${name} of the main job is down (/health)`, hint: 'the main job log names the cause' });
  }
  for (const m of status.ministries) out.push(...ministryAlarms(m, t, mainJob.up));
  out.push(...metricAlarms(metrics));
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
}
