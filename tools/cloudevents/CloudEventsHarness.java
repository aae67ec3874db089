import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Speaks to Kyodo's topics through the CloudEvents Java SDK's Kafka binding, as a Java integration would.
 *
 * <pre>
 *   send BROKERS TOPIC [binary|structured]   events (a JSON array on stdin) to an inbox, keyed by subject
 *   read BROKERS TOPIC                       every committed record of a topic, up to its end offsets
 * </pre>
 *
 * Both print one JSON object on stdout: {"sent": n} or {"events": [...]}.
 */
public final class CloudEventsHarness {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  public static void main(String[] args) throws Exception {
    if (args.length < 3) usage();
    switch (args[0]) {
      case "send" -> send(args[1], args[2], args.length > 3 ? args[3] : "binary");
      case "read" -> read(args[1], args[2]);
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: CloudEventsHarness send|read BROKERS TOPIC [binary|structured]");
    System.exit(2);
  }

  private static void send(String brokers, String topic, String mode) throws IOException {
    JsonNode input = JSON.readTree(System.in);
    if (!input.isArray()) throw new IllegalArgumentException("stdin must be a JSON array of events");
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, CloudEventSerializer.class);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(
        CloudEventSerializer.ENCODING_CONFIG,
        "structured".equals(mode) ? Encoding.STRUCTURED : Encoding.BINARY);
    if ("structured".equals(mode)) props.put(CloudEventSerializer.EVENT_FORMAT_CONFIG, "application/cloudevents+json");
    int sent = 0;
    try (KafkaProducer<String, CloudEvent> producer = new KafkaProducer<>(props)) {
      for (JsonNode node : input) {
        CloudEvent event =
            CloudEventBuilder.v1()
                .withId(node.get("id").asText())
                .withSource(URI.create(node.get("source").asText()))
                .withType(node.get("type").asText())
                .withSubject(node.get("subject").asText())
                .withTime(OffsetDateTime.parse(node.get("time").asText()))
                .withDataContentType("application/json")
                .withData(JSON.writeValueAsBytes(node.get("data")))
                .build();
        producer.send(new ProducerRecord<>(topic, event.getSubject(), event));
        sent++;
      }
      producer.flush();
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("sent", sent);
    System.out.println(JSON.writeValueAsString(out));
  }

  private static void read(String brokers, String topic) throws IOException {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "cloudevents-harness-" + UUID.randomUUID());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, CloudEventDeserializer.class);
    ArrayNode events = JSON.createArrayNode();
    try (KafkaConsumer<String, CloudEvent> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // The barrier: with read_committed, the end offsets are the last stable offsets.
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (!reachedEnd(consumer, end)) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("timed out reading " + topic);
        for (ConsumerRecord<String, CloudEvent> record : consumer.poll(Duration.ofMillis(500))) {
          events.add(describe(record));
        }
      }
    }
    ObjectNode out = JSON.createObjectNode();
    out.set("events", events);
    System.out.println(JSON.writeValueAsString(out));
  }

  private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  /** The event as the SDK read it: its attributes, extensions, parsed data and the record's headers. */
  private static ObjectNode describe(ConsumerRecord<String, CloudEvent> record) throws IOException {
    CloudEvent event = record.value();
    ObjectNode node = JSON.createObjectNode();
    node.put("key", record.key());
    node.put("partition", record.partition());
    node.put("offset", record.offset());
    node.put("specversion", event.getSpecVersion().toString());
    node.put("id", event.getId());
    node.put("source", event.getSource().toString());
    node.put("type", event.getType());
    node.put("subject", event.getSubject());
    node.put("time", event.getTime() == null ? null : event.getTime().toString());
    node.put("datacontenttype", event.getDataContentType());
    ObjectNode extensions = node.putObject("extensions");
    for (String name : event.getExtensionNames()) {
      Object value = event.getExtension(name);
      extensions.put(name, value == null ? null : value.toString());
    }
    node.set("data", event.getData() == null ? null : JSON.readTree(event.getData().toBytes()));
    ObjectNode headers = node.putObject("headers");
    for (Header header : record.headers()) {
      headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
    }
    return node;
  }
}
