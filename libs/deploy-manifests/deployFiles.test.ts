import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { allPrincipals, deriveAcls, exchangeTopicList, normaliseRules, type AclRule, type AgreementGrant } from '../kafka-access';
import { deployDir, deployGrants, renderDeployFiles, type Manifest } from '.';

/**
 * deploy/ is what a site applies; the secure local stack and `thahs acl sync` are what runs here.
 * Both come from libs/kafka-access and libs/db-roles: the committed files must be exactly what the
 * generator makes from deploy/agreements, their principals, topics and ACLs exactly the derivation's,
 * and every file must pass the Kubernetes, Strimzi and Compose schemas.
 */
let grants: AgreementGrant[];
let files: Record<string, string>;
beforeAll(async () => {
  grants = await deployGrants();
  files = renderDeployFiles(grants);
});

const onDisk = (rel: string): string => fs.readFileSync(path.join(deployDir(), rel), 'utf8');
const docsOf = (rel: string): Manifest[] => parseAllDocuments(onDisk(rel)).map((d) => d.toJS() as Manifest);
const allK8sDocs = (): Manifest[] =>
  Object.keys(files)
    .filter((f) => f.startsWith('k8s/'))
    .flatMap(docsOf);

describe("deploy/ is generated from the secure profile's source", () => {
  it('holds exactly what `thahs deploy generate` writes', () => {
    for (const [rel, text] of Object.entries(files)) expect({ rel, text: onDisk(rel) }).toEqual({ rel, text });
  });

  it('declares every principal, with exactly the ACLs the stack and `thahs acl sync` apply', () => {
    const users = docsOf('k8s/platform/kafka-users.yaml');
    expect(users.map((u) => u.metadata.name)).toEqual(allPrincipals());
    const fromManifests: AclRule[] = users.flatMap((u) => {
      const acls =
        (u.spec as { authorization?: { acls: { resource: { type: AclRule['resource']; name?: string; patternType?: string }; operations: AclRule['operation'][] }[] } })
          .authorization?.acls ?? [];
      return acls.flatMap((a) =>
        a.operations.map((operation) => ({
          principal: u.metadata.name,
          resource: a.resource.type,
          name: a.resource.type === 'cluster' ? 'kafka-cluster' : a.resource.name!,
          pattern: a.resource.patternType === 'prefix' ? ('prefixed' as const) : ('literal' as const),
          operation,
        })),
      );
    });
    expect(normaliseRules(fromManifests)).toEqual(deriveAcls(grants));
    expect(grants.map((g) => g.agreementId)).toEqual(['TTDL-CAND-QDND-2025-01', 'TTDL-QDND-CAND-2025-01']);
  });

  it('creates every topic the agreements use, replicated three times with two in sync', () => {
    const topics = docsOf('k8s/platform/kafka-topics.yaml');
    expect(topics.map((t) => (t.spec as { topicName: string }).topicName)).toEqual(exchangeTopicList(grants).map((t) => t.topic));
    for (const t of topics) expect(t.spec).toMatchObject({ replicas: 3, config: { 'min.insync.replicas': 2 } });
  });

  it('formats the compose brokers with every principal and the same broker security as the local stack', () => {
    const script = onDisk('compose/kafka/format-and-start.sh');
    for (const p of allPrincipals()) expect(script).toContain(`name=${p},`);
    const node = onDisk('compose/kafka/node-1.properties');
    const local = fs.existsSync(path.join(deployDir(), '..', '.stack-secure/config/kafka-1.properties'))
      ? fs.readFileSync(path.join(deployDir(), '..', '.stack-secure/config/kafka-1.properties'), 'utf8')
      : undefined;
    for (const line of [
      'listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL',
      'listener.name.controller.ssl.client.auth=required',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      'min.insync.replicas=2',
    ]) {
      expect(node).toContain(line);
      if (local) expect(local).toContain(line);
    }
  });

  it('commits no secret: every credential is a placeholder', () => {
    for (const d of allK8sDocs().filter((x) => x.kind === 'Secret')) {
      for (const [k, v] of Object.entries((d as unknown as { stringData: Record<string, string> }).stringData)) {
        if (/USERNAME$/.test(k)) continue;
        expect({ secret: d.metadata.name, k, placeholder: v.includes('REPLACE_ME') }).toEqual({ secret: d.metadata.name, k, placeholder: true });
      }
    }
    for (const line of onDisk('compose/env.template')
      .split('\n')
      .filter((l) => l.includes('=')))
      expect(line).toMatch(/=REPLACE_ME$/);
    expect(onDisk('compose/compose.yaml')).not.toMatch(/PASSWORD: (?!\$\{)/);
  });
});

describe('deploy/ passes the schemas', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const crd = (file: string) => {
    const doc = parse(fs.readFileSync(path.join(deployDir(), 'k8s/schemas/strimzi', file), 'utf8')) as {
      spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] };
    };
    const v1 = doc.spec.versions.find((v) => v.name === 'v1')!;
    return [doc.spec.names.kind, ajv.compile(v1.schema.openAPIV3Schema)] as const;
  };
  const strimzi = new Map(['040-Crd-kafka.yaml', '043-Crd-kafkatopic.yaml', '044-Crd-kafkauser.yaml', '045-Crd-kafkanodepool.yaml'].map(crd));
  const core: Record<string, new (o: object) => { validate(): void }> = { Namespace, ConfigMap, Secret, Service, Deployment, Job };

  it('every Kubernetes object is valid for its kind', () => {
    const docs = allK8sDocs();
    expect(docs.length).toBeGreaterThan(30);
    for (const d of docs) {
      if (d.apiVersion === 'kafka.strimzi.io/v1') {
        const validate = strimzi.get(d.kind);
        expect({ kind: d.kind, name: d.metadata.name, known: validate !== undefined }).toEqual({ kind: d.kind, name: d.metadata.name, known: true });
        const ok = validate!(d);
        expect({ name: d.metadata.name, errors: ok ? [] : validate!.errors }).toEqual({ name: d.metadata.name, errors: [] });
      } else {
        const Model = core[d.kind];
        expect({ kind: d.kind, known: Model !== undefined }).toEqual({ kind: d.kind, known: true });
        expect(() => new Model(d).validate()).not.toThrow();
      }
    }
  });

  it('the schemas catch a broken object (the check can fail)', () => {
    const user = docsOf('k8s/platform/kafka-users.yaml')[1] as Manifest & { spec: { authorization: { acls: { resource: { patternType: string } }[] } } };
    user.spec.authorization.acls[0].resource.patternType = 'prefixed';
    expect(strimzi.get('KafkaUser')!(user)).toBe(false);
    const dep = docsOf('k8s/cand/services.yaml').find((x) => x.kind === 'Deployment')! as Manifest & { spec: { replicas: unknown } };
    dep.spec.replicas = 'one';
    expect(() => new Deployment(dep as unknown as ConstructorParameters<typeof Deployment>[0]).validate()).toThrow();
  });

  it('the compose file is valid for the Compose Specification', () => {
    // Its $schema names draft-07 by an https URL ajv does not know by that name; the draft is the same.
    const { $schema: _draft, ...schema } = JSON.parse(fs.readFileSync(path.join(deployDir(), 'compose/schema/compose-spec.json'), 'utf8')) as { $schema: string };
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    const compose = parse(onDisk('compose/compose.yaml')) as object;
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    expect(validate({ services: { x: { image: 1, nonsense: true } } })).toBe(false);
  });
});
