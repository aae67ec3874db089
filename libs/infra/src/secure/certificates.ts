import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalKafkaError } from '../local-kafka';

/**
 * The secured local broker's certificates: a CA made for this machine alone and the broker's
 * certificate signed by it, valid for 127.0.0.1 and localhost, made with `openssl` (Node's crypto can
 * generate keys but not sign X.509). Kept in `<dir>` (mode 0700, keys 0600); made once.
 *
 * The broker reads them as PEM (`ssl.keystore.type=PEM`): `broker-keystore.pem` holds its PKCS#8 key
 * and certificate chain, `ca.pem` is its trust store and what clients are given (`KAFKA_TLS_CA_FILE`).
 * The broker's certificate is also its client certificate on the controller listener, where its
 * principal is `User:CN=kyodo-broker`.
 */
export interface BrokerCertificates {
  readonly caFile: string;
  readonly keystoreFile: string;
  /** The broker's principal on the controller listener (its certificate's subject). */
  readonly brokerPrincipal: string;
}

export const BROKER_CERTIFICATE_SUBJECT = 'CN=kyodo-broker';
const CA_SUBJECT = '/CN=Kyodo local CA';
const VALID_DAYS = '825';

export function ensureBrokerCertificates(dir: string): BrokerCertificates {
  const result: BrokerCertificates = {
    caFile: join(dir, 'ca.pem'),
    keystoreFile: join(dir, 'broker-keystore.pem'),
    brokerPrincipal: `User:${BROKER_CERTIFICATE_SUBJECT}`,
  };
  if (existsSync(result.caFile) && existsSync(result.keystoreFile)) return result;

  // Made in a staging folder and moved into place whole, so an interrupted run leaves nothing half made.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const at = (name: string) => join(staging, name);
  writeFileSync(
    at('broker.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  writeFileSync(
    at('ca.ext'),
    ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign', ''].join('\n'),
  );
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at('ca.key')]);
  openssl(['req', '-new', '-key', at('ca.key'), '-subj', CA_SUBJECT, '-out', at('ca.csr')]);
  openssl([
    'x509',
    '-req',
    '-in',
    at('ca.csr'),
    '-signkey',
    at('ca.key'),
    '-days',
    VALID_DAYS,
    '-sha256',
    '-extfile',
    at('ca.ext'),
    '-out',
    at('ca.pem'),
  ]);
  // PKCS#8, unencrypted: what Kafka's PEM key store reads without a key password (the file is 0600).
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at('broker.key')]);
  openssl([
    'req',
    '-new',
    '-key',
    at('broker.key'),
    '-subj',
    `/${BROKER_CERTIFICATE_SUBJECT}`,
    '-out',
    at('broker.csr'),
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    at('broker.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-days',
    VALID_DAYS,
    '-sha256',
    '-extfile',
    at('broker.ext'),
    '-out',
    at('broker.pem'),
  ]);
  writeFileSync(
    at('broker-keystore.pem'),
    readFileSync(at('broker.key'), 'utf8') +
      readFileSync(at('broker.pem'), 'utf8') +
      readFileSync(at('ca.pem'), 'utf8'),
    { mode: 0o600 },
  );
  for (const name of ['ca.key', 'broker.key', 'broker-keystore.pem']) chmodSync(at(name), 0o600);
  for (const name of ['ca.csr', 'broker.csr', 'ca.ext', 'broker.ext', 'ca.srl'])
    rmSync(at(name), { force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return result;
}

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.error) {
    throw new LocalKafkaError(
      `could not run openssl (${run.error.message}): the secured broker's certificates are made with it; install it (Debian: apt-get install openssl)`,
    );
  }
  if (run.status !== 0) {
    throw new LocalKafkaError(`openssl ${args[0]} failed (exit ${run.status}): ${run.stderr.trim()}`);
  }
}
