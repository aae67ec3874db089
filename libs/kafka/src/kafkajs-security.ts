import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from './port';

/**
 * The kafkajs form of the port's security options: TLS with the given CA (and client certificate, where
 * the broker asks for one) and SASL. Absent: plaintext, as before. Host names are checked against the
 * broker's certificate as usual (the local secured broker's names 127.0.0.1 and localhost).
 */
export function kafkaJsSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security) return {};
  const tls = security.tls;
  const ssl: KafkaConfig['ssl'] =
    tls === undefined
      ? undefined
      : tls.ca === undefined && tls.cert === undefined
        ? true
        : {
            rejectUnauthorized: true,
            ...(tls.ca !== undefined ? { ca: [tls.ca] } : {}),
            ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
            ...(tls.key !== undefined ? { key: tls.key } : {}),
          };
  const sasl = security.sasl;
  return {
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl !== undefined
      ? {
          sasl: {
            mechanism: sasl.mechanism,
            username: sasl.username,
            password: sasl.password,
          } as SASLOptions,
        }
      : {}),
  };
}
