package dev.seam.differential;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Runs one Debezium embedded engine per properties file given as argument and prints every change
 * event to stdout as one JSON line: {"variant", "topic", "key", "value", "headers": [{"key", "value"}]},
 * key, value and headers written by Kafka's JsonConverter with schemas.enable=true (the bytes a Kafka
 * Connect worker with that converter would produce). Each file holds the connector's properties plus
 * two of the harness's own: diff.variant (a label for its lines) and diff.stop.topic (the engine stops
 * after the first event of that topic). Prints {"variant", "started": true} once an engine's task
 * runs and exits when every engine has stopped. Logs go to stderr.
 */
public final class DebeziumCapture {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DebeziumCapture() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    List<DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>>> engines = new ArrayList<>();
    CountDownLatch stopped = new CountDownLatch(args.length);
    ExecutorService runner = Executors.newFixedThreadPool(Math.max(1, args.length));
    for (String file : args) {
      Properties props = load(file);
      String variant = (String) props.remove("diff.variant");
      String stopTopic = (String) props.remove("diff.stop.topic");
      Capture capture = new Capture(variant, stopTopic, out);
      DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine =
          DebeziumEngine.create(Connect.class)
              .using(props)
              .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                      capture.line(Map.of("variant", variant, "started", true));
                    }
                  })
              .using((success, message, error) -> {
                    if (!success) {
                      capture.line(Map.of("variant", variant, "failed", String.valueOf(message)));
                      if (error != null) error.printStackTrace();
                    }
                    stopped.countDown();
                  })
              .notifying((records, committer) -> {
                    for (ChangeEvent<SourceRecord, SourceRecord> r : records) {
                      capture.record(r.value());
                      committer.markProcessed(r);
                    }
                    committer.markBatchFinished();
                  })
              .build();
      capture.engine = engine;
      engines.add(engine);
      runner.submit(engine);
    }
    stopped.await();
    runner.shutdown();
    runner.awaitTermination(30, TimeUnit.SECONDS);
    out.flush();
    System.exit(0);
  }

  private static Properties load(String file) throws IOException {
    Properties props = new Properties();
    try (InputStream in = new FileInputStream(file)) {
      props.load(in);
    }
    return props;
  }

  /** One engine's output: converts and prints its records, and closes it after the stop topic. */
  private static final class Capture {
    final String variant;
    final String stopTopic;
    final PrintStream out;
    final JsonConverter keys = converter("key");
    final JsonConverter values = converter("value");
    final JsonConverter headers = converter("header");
    volatile DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
    boolean stopping;

    Capture(String variant, String stopTopic, PrintStream out) {
      this.variant = variant;
      this.stopTopic = stopTopic;
      this.out = out;
    }

    static JsonConverter converter(String type) {
      JsonConverter c = new JsonConverter();
      c.configure(Map.of("schemas.enable", "true", "converter.type", type));
      return c;
    }

    void record(SourceRecord r) throws InterruptedException {
      if (stopping) return;
      String topic = r.topic();
      StringBuilder line = new StringBuilder(256);
      line.append("{\"variant\":").append(quote(variant));
      line.append(",\"topic\":").append(quote(topic));
      line.append(",\"key\":").append(text(keys.fromConnectData(topic, r.keySchema(), r.key())));
      line.append(",\"value\":").append(text(values.fromConnectData(topic, r.valueSchema(), r.value())));
      line.append(",\"headers\":[");
      boolean first = true;
      for (Header h : r.headers()) {
        if (!first) line.append(',');
        first = false;
        byte[] bytes = headers.fromConnectHeader(topic, h.key(), h.schema(), h.value());
        line.append("{\"key\":").append(quote(h.key())).append(",\"value\":").append(text(bytes)).append('}');
      }
      line.append("]}");
      synchronized (out) {
        out.println(line);
        out.flush();
      }
      if (topic.equals(stopTopic)) {
        stopping = true;
        // close() waits for the batch in progress (this one) to finish: close from another thread.
        Thread closer = new Thread(() -> {
          try {
            engine.close();
          } catch (IOException e) {
            e.printStackTrace();
          }
        });
        closer.start();
      }
    }

    void line(Map<String, Object> fields) {
      try {
        String text = JSON.writeValueAsString(fields);
        synchronized (out) {
          out.println(text);
          out.flush();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private static String quote(String s) {
      try {
        return JSON.writeValueAsString(s);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private static String text(byte[] bytes) {
      return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
