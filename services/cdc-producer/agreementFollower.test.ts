import * as path from 'path';
import { loadAgreementFile, type AgreementState } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { AgreementFollower, type PlanProvisioner } from './agreementFollower';
import type { PublicationPlan } from './agreementPlan';

const contracts = loadContracts();
const AGREEMENT = 'TTDL-CAND-QDND-2025-01';
let confirmed: AgreementState;

beforeAll(async () => {
  const doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), {
    contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined),
  });
  confirmed = new AgreementHistory(doc).confirm(doc, { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' });
});

/** A read the test answers (or fails) when it chooses. */
class HeldSource {
  calls = 0;
  private answer?: { resolve(s: readonly AgreementState[]): void; reject(e: Error): void };

  readonly read = (): Promise<readonly AgreementState[]> => {
    this.calls++;
    return new Promise((resolve, reject) => (this.answer = { resolve, reject }));
  };

  resolve(states: readonly AgreementState[]): void {
    this.answer!.resolve(states);
  }

  reject(err: Error): void {
    this.answer!.reject(err);
  }
}

class FakeProvisioner implements PlanProvisioner {
  readonly provisioned: PublicationPlan[] = [];
  maxBytes: number | undefined = 1_000_000;
  failure?: Error;

  provision(plan: PublicationPlan): Promise<number | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    this.provisioned.push(plan);
    return Promise.resolve(this.maxBytes);
  }
}

function setUp(read: () => Promise<readonly AgreementState[]>, pollMs = 5000) {
  const log = createLogger('follower-test', 'error');
  const errors = jest.spyOn(log, 'error').mockImplementation(() => log);
  const provisioner = new FakeProvisioner();
  const limits: number[] = [];
  const follower = new AgreementFollower({ ministry: 'cand', agreements: read, contracts, prefix: 'thahs', provisioner, limitRequests: (b) => limits.push(b), log, pollMs });
  return { follower, provisioner, limits, errors };
}

const ids = (plan: PublicationPlan): string[] => plan.agreements.map((a) => a.agreementId);

describe('AgreementFollower', () => {
  it('holds a plan it read until a boundary takes it, after the platform was readied for it', async () => {
    const { follower, provisioner, limits } = setUp(() => Promise.resolve([confirmed]));
    const before = follower.plan;
    expect(ids(before)).toEqual([]);
    expect(follower.takePending()).toBeUndefined();

    await follower.follow();
    expect(provisioner.provisioned).toHaveLength(1);
    const read = provisioner.provisioned[0];
    expect(ids(read)).toEqual([AGREEMENT]);
    // A tenth below the smallest topic limit.
    expect(limits).toEqual([900_000]);
    // Not in force yet: the stream may be inside a transaction.
    expect(follower.plan).toBe(before);
    expect(follower.hasPending()).toBe(true);
    expect(follower.latestPlan()).toBe(read);

    expect(follower.takePending()).toBe(read);
    expect(follower.plan).toBe(read);
    expect(follower.latestPlan()).toBe(read);
    expect(follower.hasPending()).toBe(false);
    expect(follower.takePending()).toBeUndefined();
    expect(follower.plan).toBe(read);
  });

  it('keeps only the newest plan read when several come before a boundary', async () => {
    const states: AgreementState[][] = [[confirmed], []];
    const { follower, provisioner } = setUp(() => Promise.resolve(states.shift()!));
    await follower.follow();
    await follower.follow();
    expect(provisioner.provisioned).toHaveLength(2);
    expect(follower.takePending()).toBe(provisioner.provisioned[1]);
    expect(ids(follower.plan)).toEqual([]);
  });

  it('does not limit requests when no topic is provisioned', async () => {
    const { follower, provisioner, limits } = setUp(() => Promise.resolve([]));
    provisioner.maxBytes = undefined;
    await follower.follow();
    expect(limits).toEqual([]);
    expect(follower.hasPending()).toBe(true);
  });

  it('keeps the plan in force and logs when the agreements cannot be read or the platform readied', async () => {
    const source = new HeldSource();
    const { follower, provisioner, errors } = setUp(source.read);
    let read = follower.follow();
    source.resolve([confirmed]);
    await read;
    const inForce = follower.takePending()!;

    read = follower.follow();
    source.reject(new Error('connection refused'));
    await read;
    expect(follower.plan).toBe(inForce);
    expect(follower.hasPending()).toBe(false);
    expect(follower.latestPlan()).toBe(inForce);
    expect(errors).toHaveBeenCalledWith('reading the agreements failed; the publication plan in force stays', { ministry: 'cand', error: 'connection refused' });

    provisioner.failure = new Error('registry unavailable');
    read = follower.follow();
    source.resolve([]);
    await read;
    expect(follower.plan).toBe(inForce);
    expect(follower.hasPending()).toBe(false);
    expect(errors).toHaveBeenLastCalledWith('reading the agreements failed; the publication plan in force stays', { ministry: 'cand', error: 'registry unavailable' });

    // A failed read does not stop the next one.
    provisioner.failure = undefined;
    read = follower.follow();
    source.resolve([]);
    await read;
    expect(follower.hasPending()).toBe(true);
  });

  it('never reads twice at once', async () => {
    const source = new HeldSource();
    const { follower } = setUp(source.read);
    const first = follower.follow();
    await follower.follow();
    expect(source.calls).toBe(1);
    expect(follower.hasPending()).toBe(false);
    source.resolve([confirmed]);
    await first;
    expect(follower.hasPending()).toBe(true);

    const next = follower.follow();
    expect(source.calls).toBe(2);
    source.resolve([]);
    await next;
  });

  describe('on a timer', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('reads again every pollMs until stopped, skipping a tick while a read is under way', async () => {
      const source = new HeldSource();
      const { follower } = setUp(source.read, 100);
      follower.start();
      expect(source.calls).toBe(0);
      await jest.advanceTimersByTimeAsync(100);
      expect(source.calls).toBe(1);
      // The read is still under way: the next tick does not start another.
      await jest.advanceTimersByTimeAsync(100);
      expect(source.calls).toBe(1);
      source.resolve([]);
      await jest.advanceTimersByTimeAsync(100);
      expect(source.calls).toBe(2);
      source.resolve([]);
      follower.stop();
      await jest.advanceTimersByTimeAsync(1000);
      expect(source.calls).toBe(2);
    });
  });
});
