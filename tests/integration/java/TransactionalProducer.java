// A transactional producer written against kafka-clients, as a bank's Java service would be:
// it writes every "key<TAB>value" line of a file inside one transaction, then commits or
// aborts it. Run from the jars set-up resolved (Java's single-file source launcher):
//   java -cp '.kafka/libs/*' TransactionalProducer.java BOOTSTRAP TOPIC commit|abort FILE
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class TransactionalProducer {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], topic = args[1], outcome = args[2];
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txenrich-test-" + outcome + "-" + System.nanoTime());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (String line : Files.readAllLines(Path.of(args[3]), StandardCharsets.UTF_8)) {
                String[] parts = line.split("\t", 2);
                producer.send(new ProducerRecord<>(topic, parts[0].getBytes(StandardCharsets.UTF_8),
                        parts[1].getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            if (outcome.equals("commit")) {
                producer.commitTransaction();
            } else {
                producer.abortTransaction();
            }
        }
        System.out.println(outcome + "ted");
    }
}
