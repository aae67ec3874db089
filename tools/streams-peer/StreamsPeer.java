import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The smallest Kafka Streams application doing the gateway's fan-out: every record of the input topics
 * copied to each output topic, exactly once (exactly_once_v2: outputs and consumed offsets commit in
 * one transaction). Prints RUNNING once it processes, and stops cleanly when its standard input closes.
 *
 *   java -cp ... StreamsPeer BOOTSTRAP APPLICATION_ID IN1,IN2 OUT1,OUT2,OUT3 [COMPRESSION]
 */
public final class StreamsPeer {
  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: StreamsPeer BOOTSTRAP APPLICATION_ID INPUTS OUTPUTS [COMPRESSION]");
      System.exit(2);
    }
    List<String> inputs = Arrays.asList(args[2].split(","));
    List<String> outputs = Arrays.asList(args[3].split(","));
    String compression = args.length > 4 ? args[4] : "lz4";

    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams-peer").toString());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), compression);

    StreamsBuilder builder = new StreamsBuilder();
    KStream<byte[], byte[]> in =
        builder.stream(inputs, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
    for (String output : outputs) in.to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch running = new CountDownLatch(1);
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.RUNNING) running.countDown();
          if (now == KafkaStreams.State.ERROR) {
            System.err.println("Kafka Streams failed");
            System.exit(1);
          }
        });
    streams.start();
    running.await();
    System.out.println("RUNNING");
    System.out.flush();
    // The parent closes standard input to stop us.
    while (System.in.read() != -1) {
      // discard
    }
    streams.close();
    deleteQuietly(Path.of(props.getProperty(StreamsConfig.STATE_DIR_CONFIG)));
    System.out.println("STOPPED");
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    } catch (Exception ignored) {
      // a temporary folder left behind is harmless
    }
  }
}
