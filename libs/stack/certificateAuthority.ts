import * as fs from 'fs';
import * as path from 'path';
import { run } from './processControl';
import { StackError } from './stackError';

/** One server certificate of the secure stack: key, certificate, and both in one PEM (Kafka's PEM keystore). */
export interface ServerCertificate {
  keyFile: string;
  certFile: string;
  /** Private key (PKCS#8) followed by the certificate. */
  pemFile: string;
}

const CA_DAYS = 3650;
const CERT_DAYS = 825;

/**
 * The certificate authority of the secure local stack: made with openssl on first `stack up`, under
 * `<stack>/tls` (never committed, keys 0600), signing every server's certificate — Kafka's brokers
 * (also their client certificate on the controller listener), the registry, the PostgreSQL clusters.
 * Certificates name 127.0.0.1 and localhost: clients verify the host name, not only the chain.
 */
export class CertificateAuthority {
  readonly caFile: string;
  private readonly caKey: string;

  constructor(
    readonly dir: string,
    private readonly openssl = 'openssl',
  ) {
    this.caFile = path.join(dir, 'ca.pem');
    this.caKey = path.join(dir, 'ca.key');
  }

  private ssl(args: string[]): void {
    run('tls', this.openssl, args);
  }

  ensure(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (fs.existsSync(this.caFile) && fs.existsSync(this.caKey)) return;
    this.ssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', this.caKey]);
    fs.chmodSync(this.caKey, 0o600);
    this.ssl([
      'req',
      '-x509',
      '-new',
      '-key',
      this.caKey,
      '-sha256',
      '-days',
      String(CA_DAYS),
      '-subj',
      '/CN=thahs local secure stack CA',
      '-out',
      this.caFile,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  /** Where the certificate for `name` is or will be: nothing is made (`stack status` only reads). */
  files(name: string): ServerCertificate {
    return { keyFile: path.join(this.dir, `${name}.key`), certFile: path.join(this.dir, `${name}.crt`), pemFile: path.join(this.dir, `${name}.pem`) };
  }

  /**
   * A certificate for `name` with subject CN=`cn`, made once and again when the CA is newer than it
   * (a CA made anew after its files were removed).
   */
  server(name: string, cn: string): ServerCertificate {
    this.ensure();
    const { keyFile, certFile, pemFile } = this.files(name);
    const fresh = [keyFile, certFile, pemFile].every((f) => fs.existsSync(f)) && fs.statSync(certFile).mtimeMs >= fs.statSync(this.caFile).mtimeMs;
    if (fresh) return { keyFile, certFile, pemFile };
    const csr = path.join(this.dir, `${name}.csr`);
    const ext = path.join(this.dir, `${name}.ext`);
    this.ssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    fs.chmodSync(keyFile, 0o600);
    this.ssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${cn}`, '-out', csr]);
    fs.writeFileSync(
      ext,
      [
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        'extendedKeyUsage=serverAuth,clientAuth',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'basicConstraints=CA:FALSE',
        '',
      ].join('\n'),
    );
    this.ssl(['x509', '-req', '-in', csr, '-CA', this.caFile, '-CAkey', this.caKey, '-CAcreateserial', '-sha256', '-days', String(CERT_DAYS), '-extfile', ext, '-out', certFile]);
    fs.rmSync(csr);
    fs.rmSync(ext);
    fs.writeFileSync(pemFile, `${fs.readFileSync(keyFile, 'utf8')}${fs.readFileSync(certFile, 'utf8')}`, { mode: 0o600 });
    if (!fs.readFileSync(keyFile, 'utf8').includes('BEGIN PRIVATE KEY')) throw new StackError('tls', `${keyFile} is not a PKCS#8 key (Kafka's PEM keystore needs one)`);
    return { keyFile, certFile, pemFile };
  }
}
