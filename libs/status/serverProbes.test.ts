import * as fs from 'fs';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../config';
import type { MainJobSource } from '../ops/mainJob';
import { registryFetch } from '../registry-client';
import { CertificateAuthority } from '../stack/certificateAuthority';
import { statusOptionsFromConfig } from './configuredOptions';
import { probeRegistry } from './serverProbes';

const USER = 'registry-reader';
const PASSWORD = 'right-pw-4f1c';
const WRONG = 'wrong-pw-9a2e';

/**
 * A registry as the secure profile runs it: HTTPS under a CA of its own (made here with the stack's
 * CertificateAuthority) and HTTP basic on every path. `/stall/...` accepts and never answers.
 */
describe('probeRegistry against an HTTPS registry with its own CA and basic auth', () => {
  let dir: string;
  let caPem: string;
  let caFile: string;
  let server: https.Server;
  let base: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-probe-'));
    const ca = new CertificateAuthority(path.join(dir, 'tls'));
    const cert = ca.server('registry', 'thahs-registry');
    caFile = ca.caFile;
    caPem = fs.readFileSync(caFile, 'utf8');
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    server = https.createServer({ key: fs.readFileSync(cert.keyFile), cert: fs.readFileSync(cert.certFile) }, (req, res) => {
      if (req.url?.startsWith('/stall/')) return;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('["a-subject"]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is up through the registry client with the CA and the right credentials', async () => {
    const s = await probeRegistry(base, { fetch: registryFetch({ url: base, ca: caPem, username: USER, password: PASSWORD }) });
    expect(s).toMatchObject({ name: 'registry', up: true, endpoint: base });
  });

  it('is down with a clear reason, and no password, for wrong credentials', async () => {
    const s = await probeRegistry(base, { fetch: registryFetch({ url: base, ca: caPem, username: USER, password: WRONG }) });
    expect(s.up).toBe(false);
    expect(s.error).toMatch(/^HTTP 401: the registry refused the configured credentials/);
    expect(JSON.stringify(s)).not.toContain(WRONG);
    expect(JSON.stringify(s)).not.toContain(PASSWORD);
  });

  it('is down with the certificate reason, not only "fetch failed", without the CA (the global fetch)', async () => {
    const s = await probeRegistry(base, { fetch: (input, init) => fetch(input, init) });
    expect(s.up).toBe(false);
    expect(s.error).toMatch(/fetch failed: .*(certificate|verify)/i);
  });

  it('keeps its timeout: a registry that accepts and never answers is down after timeoutMs', async () => {
    const t0 = Date.now();
    const stalled = base.replace('/apis/', '/stall/apis/');
    const s = await probeRegistry(stalled, { timeoutMs: 300, fetch: registryFetch({ url: stalled, ca: caPem, username: USER, password: PASSWORD }) });
    expect(s.up).toBe(false);
    expect(s.error).toMatch(/timeout|aborted/i);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  describe('with the settings (statusOptionsFromConfig)', () => {
    const job: MainJobSource = { read: () => Promise.reject(new Error('not used')) };
    const options = (o: { registryCaFile: string; registryPassword: string }) =>
      statusOptionsFromConfig({ ...loadConfig({}), registryUrl: base, registryUsername: USER, ...o }, { mainJob: job, mainJobEndpoint: 'unused' });

    it('reaches the registry with the configured CA file and credentials', async () => {
      const o = options({ registryCaFile: caFile, registryPassword: PASSWORD });
      expect(await probeRegistry(o.registryUrl, { fetch: o.registryFetch })).toMatchObject({ up: true });
    });

    it('reports wrong credentials as the registry refusing them, without the password', async () => {
      const o = options({ registryCaFile: caFile, registryPassword: WRONG });
      const s = await probeRegistry(o.registryUrl, { fetch: o.registryFetch });
      expect(s).toMatchObject({ up: false, error: expect.stringMatching(/^HTTP 401/) as unknown });
      expect(JSON.stringify(s)).not.toContain(WRONG);
    });

    it('reports an unreadable CA file as the reason, instead of failing the command', async () => {
      const o = options({ registryCaFile: path.join(dir, 'missing-ca.pem'), registryPassword: PASSWORD });
      const s = await probeRegistry(o.registryUrl, { fetch: o.registryFetch });
      expect(s).toMatchObject({ up: false, error: expect.stringContaining('THAHS_REGISTRY_CA_FILE') as unknown });
    });
  });
});
