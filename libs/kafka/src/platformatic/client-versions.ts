import './node20';
import { addPartitionsToTxnV3, kGetApi, type Producer } from '@platformatic/kafka';

type GetApi = (name: string, callback: (error: Error | null, api?: unknown) => void) => void;

/**
 * AddPartitionsToTxn v4 and later are for brokers talking to each other (KIP-890): on a broker that
 * enforces ACLs, a client principal without CLUSTER_ACTION is refused them ("Cluster authorization
 * failed"). @platformatic/kafka picks the highest version the broker offers, so its transactional
 * producers are made to speak v3, as the Java client does; v3 takes the same request shape.
 */
export function withClientTransactions(producer: Producer): Producer {
  const original = (producer as unknown as Record<symbol, GetApi>)[kGetApi];
  const getApi: GetApi = function (this: unknown, name, callback) {
    if (name === 'AddPartitionsToTxn') {
      callback(null, addPartitionsToTxnV3.api);
      return;
    }
    original.call(this, name, callback);
  };
  Object.defineProperty(producer, kGetApi, { value: getApi, configurable: true, writable: true });
  return producer;
}
