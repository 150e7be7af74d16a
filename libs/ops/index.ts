/**
 * Building blocks of the operator tools (issue 16): what an agreement puts on the platform (topics,
 * group, partner schema) read from its signed history; consumer-group positions and offset resets as
 * kafka-consumer-groups does them; dead letters listed, decoded within the agreement and discarded with
 * a record; the operators' append-only log beside the update log; the exchange statistics of
 * Art. 16–18; and what the main job says on /health and /metrics.
 */
export { agreementScope, roleOf, scopeTopics, scopeGroup, scopeDlqTopic, sharedFields } from './agreementScope';
export type { AgreementScope, AgreementRole } from './agreementScope';
export { OpsError } from './opsError';
export type { OpsContext } from './opsError';
export { openAdmin, topicRanges, describeGroup, committedOffsets, offsetsAtTime, partitionKey } from './kafkaAdmin';
export type { PartitionRange, GroupMember, GroupDescription } from './kafkaAdmin';
export { groupPositions, lagOf } from './groupPositions';
export type { PartitionPosition, GroupPositions } from './groupPositions';
export { planReset, timeOffsetsFor, executeReset, GroupLiveError } from './offsetReset';
export type { ResetTarget, ResetPlan, ResetPlanRow, ExecuteOptions } from './offsetReset';
export { OPERATOR_LOG_DDL, OPERATOR_ACTION_TABLE, ensureOperatorLog, recordOperatorAction, operatorLogExists } from './operatorLog';
export type { OperatorAction, OperatorActionResult } from './operatorLog';
export { operatorName } from './operator';
export { listDeadLetters, countDeadLetters, readDeadLetter, discardDeadLetters, retryDeadLetters, deadLetterTableExists } from './deadLetters';
export type { DeadLetterFilter, DeadLetterSummary, DeadLetterRecordFull, DiscardedDeadLetter, DeadLetterRetrier, RetriedDeadLetter } from './deadLetters';
export { planReplay, replayPlanJson } from './replayPlan';
export type { ReplayPlan, ReplayRange, ReplayStart, ReplayEnd } from './replayPlan';
export { decodeDeadLetter, registrySchemas } from './deadLetterContent';
export type { DeadLetterContent, DecodedField, SchemaById } from './deadLetterContent';
export { parsePrometheusText, sumSamples } from './prometheusText';
export type { MetricSample } from './prometheusText';
export { httpMainJob, localMainJob, startedAtOf } from './mainJob';
export type { MainJobView, MainJobSource } from './mainJob';
export { exchangeStats, STATS_SOURCES } from './exchangeStats';
export type { ExchangeStats, StatsRow, StatsGrouping, StatsOptions } from './exchangeStats';
export { parseInstant } from './instants';
export { receivedAgreement } from './agreementLookup';
