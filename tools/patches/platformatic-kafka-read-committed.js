#!/usr/bin/env node
// @platformatic/kafka 2.12.1 filters aborted transactions out of a read_committed fetch only when the
// abort marker is in the same fetch response, and keeps one aborted range per producer; an aborted
// transaction whose marker falls in a later response, or a second one of the same producer, reaches
// the reader. This replaces that filter with the usual algorithm (as the Java client does): a producer
// is in an aborted transaction from the listed first offset until its abort marker; its transactional
// batches in between lose their records (not their offsets); control batches stay for offset tracking. Run on install; it says
// what it did, and fails if the library changed shape so that the patch no longer applies.
'use strict';
const { patchPlatformaticKafka } = require('./patch-platformatic-kafka');

const MARKER = '/* kyodo: read_committed filter */';

patchPlatformaticKafka({
  name: 'platformatic-kafka-read-committed',
  file: 'clients/consumer/consumer.js',
  marker: MARKER,
  apply: (source) => {
    const start = source.indexOf('    #filterUncommittedMessages(response) {');
    const end = source.indexOf('    #getRejoinError(error) {');
    if (start < 0 || end < 0 || end < start) return undefined;
    const replacement = `    #filterUncommittedMessages(response) { ${MARKER}
        for (const topic of response.responses) {
            for (const partition of topic.partitions) {
                if (!partition.records) {
                    continue;
                }
                const aborted = [...(partition.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
                if (aborted.length === 0) {
                    continue;
                }
                const inAborted = new Set();
                let next = 0;
                // Aborted batches stay, emptied: the MessagesStream advances its fetch offset past the last
                // batch of a response, so dropping them would fetch the same range again forever.
                partition.records = partition.records.map(batch => {
                    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
                    while (next < aborted.length && aborted[next].firstOffset <= lastOffset) {
                        inAborted.add(aborted[next].producerId);
                        next++;
                    }
                    if (batch.attributes & IS_CONTROL) {
                        // Control batches stay: the MessagesStream tracks offsets past them.
                        if (batch.records[0]?.key?.readInt16BE(2) === 0) {
                            inAborted.delete(batch.producerId);
                        }
                        return batch;
                    }
                    const abortedBatch = (batch.attributes & IS_TRANSACTIONAL) && inAborted.has(batch.producerId);
                    return abortedBatch ? { ...batch, records: [] } : batch;
                });
            }
        }
    }
`;
    const patched = (source.slice(0, start) + replacement + source.slice(end)).replace(
      'import { IS_CONTROL } from "../../protocol/records.js";',
      'import { IS_CONTROL, IS_TRANSACTIONAL } from "../../protocol/records.js";',
    );
    return patched.includes('IS_CONTROL, IS_TRANSACTIONAL') ? patched : undefined;
  },
});
